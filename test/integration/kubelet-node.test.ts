// The node half of the kubelet against the real thing: the built `skiff server`, the real
// `skiff cri` in a private node netns, and a kubeconfig for system:node:<name> with a client
// certificate from the server's own CA. The Node registers and is Ready as the stock kubectl
// shows it, its Lease renews, and the Node authorizer keeps it off another node.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease, Node } from '../../src/api/types.js';
import { kubeconfigYaml, writeKubeconfig } from '../../src/apiserver/kubeconfig.js';
import { ensurePki, issueClientCertificate } from '../../src/apiserver/pki.js';
import { Client } from '../../src/client/client.js';
import type { ApiStatusError } from '../../src/client/errors.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { realTimers } from '../../src/client/timers.js';
import { criClient } from '../../src/cri/client.js';
import { systemClock } from '../../src/host/clock.js';
import { realFiles } from '../../src/host/files/real.js';
import { RealNetlink } from '../../src/host/netlink/real.js';
import { RealNodeInfo } from '../../src/host/nodeinfo/real.js';
import { startNodeAgent } from '../../src/kubelet/node/index.js';
import { kubectl, removeDir, startServer } from '../e2e/skiff-server.js';
import { isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startSkiffCri } from '../helpers/skiff-cri.js';

const rt = rootOnly(test);

/** kubectl's JSON answer, or a throw with its stderr. */
async function kubectlJson<T>(kubeconfig: string, args: string[]): Promise<T> {
  const r = await kubectl(kubeconfig, [...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Polls (1 s apart) until done holds; the test's timeout is the limit. */
async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await fn().then((x) => ({ x }), () => undefined);
    if (v && done(v.x)) return v.x;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

if (isRoot) {
  rt.serial('the Node registers and is Ready in kubectl, its Lease renews, and it may not write another node', async (t) => {
    t.timeout(240_000);
    const name = uniq('-node');
    const other = uniq('-other');
    const dir = await mkdtemp(join(tmpdir(), 'skiff-knode-'));
    const server = await startServer();
    const stops: (() => Promise<unknown>)[] = [() => removeDir(dir), () => server.stop().then(() => removeDir(server.dir))];
    try {
      const runtime = await startSkiffCri();
      stops.push(() => runtime.stop());
      const pki = await ensurePki(server.dir);
      const kubeconfig = join(dir, 'kubelet.kubeconfig');
      await writeKubeconfig(kubeconfig, kubeconfigYaml(server.url, pki.ca.cert, issueClientCertificate(pki.ca, `system:node:${name}`, ['system:nodes']), `system:node:${name}`));

      const client = await Client.fromKubeconfig({ files: realFiles, clock: systemClock }, kubeconfig);
      stops.push(async () => client.close());
      const informers = new InformerFactory({ client, clock: systemClock, timers: realTimers });
      stops.push(() => informers.stop());
      const cri = criClient(runtime.endpoint);
      stops.push(async () => cri.close());
      await cri.image.pullImage({ image: { image: runtime.images.busybox } });
      const logs: string[] = [];
      const agent = startNodeAgent({
        nodeName: name, client, informers, cri, clock: systemClock, timers: realTimers, files: realFiles, log: (l) => logs.push(l),
        nodeIp: '10.77.0.1', kubeletPort: 10250, podCount: () => 0, nodeInfo: new RealNodeInfo(new RealNetlink()), rootDir: dir,
      });
      stops.push(() => agent.stop());
      informers.start();

      // The node IPAM (skiff up's controller) gives Nodes their podCIDR; here the admin does.
      const created = await until(() => kubectlJson<Node>(server.kubeconfig, ['get', 'node', name]), (n) => Boolean(n.status?.conditions?.length));
      if (!created.spec?.podCIDR) {
        const r = await kubectl(server.kubeconfig, ['patch', 'node', name, '--type=merge', '-p', JSON.stringify({ spec: { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] } })]);
        t.is(r.code, 0, r.stderr);
      }
      const registered = await agent.registered;
      t.truthy(registered.spec?.podCIDR);

      const node = await kubectlJson<Node>(server.kubeconfig, ['get', 'node', name]);
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      t.like(ready, { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }, JSON.stringify(node.status?.conditions));
      t.deepEqual(node.status?.conditions?.map((c) => c.type), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
      t.regex(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^skiff:\/\/\d+\.\d+\.\d+/);
      t.regex(node.status?.nodeInfo?.bootID ?? '', /^[0-9a-f-]{36}$/);
      t.is(node.status?.nodeInfo?.kubeletVersion, 'v1.32.0-skiff');
      t.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '10.77.0.1' }, { type: 'Hostname', address: name }]);
      t.is(node.status?.capacity?.pods, '110');
      t.regex(node.status?.capacity?.memory ?? '', /^\d+Ki$/);
      t.truthy(node.status?.capacity?.['ephemeral-storage']);
      t.like(node.metadata.labels, { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' });
      t.true((node.status?.images ?? []).some((i) => i.names?.includes(runtime.images.busybox) && (i.sizeBytes ?? 0) > 0), JSON.stringify(node.status?.images));
      const wide = await kubectl(server.kubeconfig, ['get', 'node', name, '--no-headers']);
      t.regex(wide.stdout, new RegExp(`^${name}\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.32\\.0-skiff`));

      const lease = await kubectlJson<Lease>(server.kubeconfig, ['-n', 'kube-node-lease', 'get', 'lease', name]);
      t.like(lease.spec, { holderIdentity: name, leaseDurationSeconds: 40 });
      t.is(lease.metadata.ownerReferences?.[0]?.uid, node.metadata.uid);
      const renewed = await until(() => kubectlJson<Lease>(server.kubeconfig, ['-n', 'kube-node-lease', 'get', 'lease', name]), (l) => l.spec?.renewTime !== lease.spec?.renewTime);
      t.true(Date.parse(renewed.spec!.renewTime!) > Date.parse(lease.spec!.renewTime!));

      // Another node: this kubelet may neither read nor change it, nor touch its Lease.
      t.is((await kubectl(server.kubeconfig, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: other } }))).code, 0);
      const read = await kubectl(kubeconfig, ['get', 'node', other]);
      t.not(read.code, 0);
      t.regex(read.stderr, new RegExp(`nodes "${other}" is forbidden: User "system:node:${name}" cannot get resource "nodes" in API group "" at the cluster scope: node '${name}' cannot read '${other}', only its own Node object`));
      // kubectl reads before it writes; the kubelet's own client writes straight away.
      const nodes = client.resource<Node>({ group: '', version: 'v1', plural: 'nodes' });
      for (const write of [
        nodes.patch(other, 'merge', { metadata: { labels: { x: 'y' } } }),
        nodes.patch(other, 'strategic', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' }),
      ]) {
        const err = await t.throwsAsync(write);
        t.like((err as ApiStatusError).status, { code: 403, reason: 'Forbidden', message: `nodes "${other}" is forbidden: node "${name}" is not allowed to modify node "${other}"` });
      }
      const lease2 = await kubectl(kubeconfig, ['-n', 'kube-node-lease', 'create', '-f', '-'], JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: other, namespace: 'kube-node-lease' }, spec: { holderIdentity: other } }));
      t.not(lease2.code, 0);
      t.regex(lease2.stderr, /can only access node lease with the same name as the requesting node/);
      t.false(logs.some((l) => /updating status|renewing lease/.test(l)), logs.join('\n'));
    } finally {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => t.log(`cleanup: ${(err as Error).message}`));
    }
  });
}
