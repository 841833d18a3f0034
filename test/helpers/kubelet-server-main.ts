// The kubelet server as a process of its own, for tests whose apiserver and runtime live in a
// netns no JavaScript of the test enters: `nsenter --net=N node --import tsx
// kubelet-server-main.ts <json>` with {nodeName, server, pkiDir, criEndpoint, podsFile}. Its
// client (system:node:<nodeName>) and serving certificates are issued from the cluster CA in
// pkiDir; the pods it serves are read from podsFile at every request. Prints one JSON line
// {"port"} when listening; closes on SIGTERM.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../src/api/types.js';
import { issueClientCertificate, issueServingCertificate } from '../../src/apiserver/pki.js';
import { Client } from '../../src/client/client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { realTimers } from '../../src/client/timers.js';
import { criClient } from '../../src/cri/client.js';
import { systemClock } from '../../src/host/clock.js';
import { realFiles } from '../../src/host/files/real.js';
import { startKubeletServer } from '../../src/kubelet/server/index.js';

interface Args { nodeName: string; server: string; pkiDir: string; criEndpoint: string; podsFile: string }
const args = JSON.parse(process.argv[2]!) as Args;
const ca = { cert: readFileSync(join(args.pkiDir, 'ca.crt'), 'utf8'), key: readFileSync(join(args.pkiDir, 'ca.key'), 'utf8') };
const identity = issueClientCertificate(ca, `system:node:${args.nodeName}`, ['system:nodes']);
const client = new Client({ config: { server: args.server, ca: ca.cert, cert: identity.cert, key: identity.key }, clock: systemClock, files: realFiles });
const cri = criClient(args.criEndpoint);
const server = await startKubeletServer({
  nodeName: args.nodeName, client, informers: new InformerFactory({ client, clock: systemClock, timers: realTimers }), cri,
  clock: systemClock, timers: realTimers, files: realFiles, log: (line) => process.stderr.write(`${line}\n`),
  listen: '127.0.0.1:0', tls: issueServingCertificate(ca, args.nodeName, ['127.0.0.1', args.nodeName]), clientCa: ca.cert,
  pods: () => JSON.parse(readFileSync(args.podsFile, 'utf8')) as Pod[],
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => {
    cri.close();
    client.close();
    process.exit(0);
  });
});
