// `skiff agent --kubeconfig FILE`: the node without the control plane, joining a `skiff server`
// as system:node:<name>, in a private node netns. The Node gets its podCIDR from the server's
// node IPAM and is Ready, a pod runs, `kubectl logs` reaches it through the apiserver's proxy
// (the kubelet serves the certificate given with --tls-cert-file, from the cluster CA), and
// after the pod is deleted a stop leaves nothing behind.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node, Pod } from '../../src/api/types.js';
import { ensurePki } from '../../src/apiserver/pki.js';
import { writeNodeCredentials } from '../../src/cli/node-credentials.js';
import { systemClock } from '../../src/host/clock.js';
import { realFiles } from '../../src/host/files/real.js';
import { Cleanup } from '../cri/fixtures.js';
import { isRoot, uniq } from '../helpers/names.js';
import { createNodeNetns, kubectlUntil } from '../helpers/node-netns.js';
import { rootOnly } from '../helpers/root.js';

const rt = rootOnly(test);


if (isRoot) {
  rt('skiff agent joins skiff server as system:node:<name>: Ready with a podCIDR, a pod runs and its logs are read', async (t) => {
    t.timeout(300_000);
    const cleanup = new Cleanup();
    t.teardown(() => cleanup.run());
    const node = await createNodeNetns(cleanup);
    const name = uniq('-agent');
    const image = node.busybox();
    const server = node.skiff(['server', '--data-dir', node.dataDir, '--listen', `${node.address}:6443`, '--cluster-cidr', '10.99.0.0/16']);
    await server.waitFor(/skiff server: serving on/);
    const pki = await ensurePki(node.dataDir);
    const agentDir = join(node.dataDir, 'agent');
    const creds = await writeNodeCredentials({ agentDir, nodeName: name, server: `https://${node.address}:6443`, ca: pki.ca, hosts: [node.address], files: realFiles, clock: systemClock });
    const [crt, key] = [join(node.dataDir, 'kubelet.crt'), join(node.dataDir, 'kubelet.key')];
    await writeFile(crt, creds.serving.cert);
    await writeFile(key, creds.serving.key, { mode: 0o600 });
    const agent = node.skiff(['agent', '--kubeconfig', creds.kubeconfig, '--data-dir', node.dataDir, '--node-name', name, '--cgroup-root', node.cgroupRoot,
      '--tls-cert-file', crt, '--tls-private-key-file', key]);
    cleanup.push(() => { if (!t.passed) t.log(agent.stderr()); });
    await agent.waitFor(/skiff agent: serving on/);
    t.is(agent.stdout(), '', 'the agent prints no KUBECONFIG line: it serves no API');

    const ready = await kubectlUntil<Node>(node, ['get', 'node', name], (n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
    t.regex(ready.spec?.podCIDR ?? '', /^10\.99\.\d+\.0\/24$/);
    await agent.waitFor(new RegExp(`node ${name} registered, podCIDR`));

    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hi' }, spec: { nodeName: name, containers: [{ name: 'c', image: await image, command: ['sh', '-c', 'echo joined; exec sleep 3600'] }] } };
    t.is((await node.kubectl(['create', '-f', '-'], JSON.stringify(pod))).code, 0);
    const running = await kubectlUntil<Pod>(node, ['get', 'pod', 'hi'], (p) => p.status?.phase === 'Running');
    t.regex(running.status?.podIP ?? '', /^10\.99\./);
    const logs = await node.kubectl(['logs', 'hi']);
    t.is(logs.stdout, 'joined\n', logs.stderr);

    t.is((await node.kubectl(['delete', 'pod', 'hi', '--wait=true'])).code, 0);
    t.is(await agent.stop(), 0, agent.stderr());
    t.is(await server.stop(), 0, server.stderr());
    t.deepEqual(await node.leftovers(), []);
  });

  rt('skiff agent without a usable kubeconfig is one line and exit 1', async (t) => {
    const cleanup = new Cleanup();
    t.teardown(() => cleanup.run());
    const node = await createNodeNetns(cleanup);
    const missing = node.skiff(['agent', '--data-dir', node.dataDir]);
    t.is(await missing.exited, 1);
    t.is(missing.stderr(), "error: required option '--kubeconfig <file>' not specified\n");
    const unreadable = node.skiff(['agent', '--data-dir', node.dataDir, '--kubeconfig', join(node.dataDir, 'nope.kubeconfig')]);
    t.is(await unreadable.exited, 1);
    t.regex(unreadable.stderr(), /^skiff: ENOENT: no such file or directory, open '.*nope\.kubeconfig'\n$/);
    t.deepEqual(await node.leftovers(), []);
  });
}
