// The kubelet (startKubelet) against the real thing: the built `skiff server`, the real
// `skiff cri` in a private node netns, and a kubeconfig for system:node:<name> with a client
// certificate from the server's own CA. The Node registers and is Ready as the stock kubectl
// shows it, its Lease renews, a pod bound to it runs, and the Node authorizer keeps it off
// another node.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease, Node } from '../../src/api/types.js';
import { kubeconfigYaml, writeKubeconfig } from '../../src/apiserver/kubeconfig.js';
import { ensurePki, issueClientCertificate, issueServingCertificate } from '../../src/apiserver/pki.js';
import { Client } from '../../src/client/client.js';
import type { ApiStatusError } from '../../src/client/errors.js';
import { systemClock } from '../../src/host/clock.js';
import { realFiles } from '../../src/host/files/real.js';
import { startKubelet } from '../../src/kubelet/kubelet.js';
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

/**
 * Polls (1 s apart) until done holds. Gives up after `tries` so that a kubelet that never gets
 * there fails the test with what it saw, and the cleanup still runs (ava's timeout skips it).
 */
async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean, tries = 120): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    const v = await fn().then((x) => ({ x }), (err: unknown) => { last = err; return undefined; });
    if (v && done(v.x)) return v.x;
    if (v) last = v.x;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`gave up waiting; last seen: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

if (isRoot) {
  rt.serial('startKubelet: the Node registers and is Ready in kubectl, its Lease renews, a pod bound to it runs, and it may not touch another node', async (t) => {
    t.timeout(240_000);
    const name = uniq('-node');
    const other = uniq('-other');
    const dir = await mkdtemp(join(tmpdir(), 'skiff-knode-'));
    const server = await startServer();
    const logs: string[] = [];
    const stops: (() => Promise<unknown>)[] = [() => removeDir(dir), () => server.stop().then(() => removeDir(server.dir))];
    try {
      const runtime = await startSkiffCri();
      stops.push(() => runtime.stop());
      const pki = await ensurePki(server.dir);
      const kubeconfig = join(dir, 'kubelet.kubeconfig');
      await writeKubeconfig(kubeconfig, kubeconfigYaml(server.url, pki.ca.cert, issueClientCertificate(pki.ca, `system:node:${name}`, ['system:nodes']), `system:node:${name}`));

      await runtime.cri.image.pullImage({ image: { image: runtime.images.busybox } });
      const kubelet = await startKubelet({
        nodeName: name, kubeconfig, criEndpoint: runtime.endpoint, rootDir: join(dir, 'kubelet'), nodeIp: '127.0.0.1',
        clusterDns: ['10.96.0.10'], cgroupRoot: runtime.cgroupParent,
        server: { listen: '127.0.0.1:0', tls: issueServingCertificate(pki.ca, name, [name, '127.0.0.1']) },
        log: (l) => logs.push(l),
      });
      stops.push(() => kubelet.stop());
      const client = await Client.fromKubeconfig({ files: realFiles, clock: systemClock }, kubeconfig);
      stops.push(async () => client.close());

      // The server's node IPAM gives the Node its podCIDR; only then is the kubelet registered.
      let guard: NodeJS.Timeout | undefined;
      const registered = await Promise.race([kubelet.registered, new Promise<never>((_, reject) => { guard = setTimeout(() => reject(new Error('registered did not resolve')), 60_000); })])
        .finally(() => clearTimeout(guard));
      t.regex(registered.spec?.podCIDR ?? '', /^10\.244\.\d+\.0\/24$/);

      const node = await kubectlJson<Node>(server.kubeconfig, ['get', 'node', name]);
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      t.like(ready, { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }, JSON.stringify(node.status?.conditions));
      t.deepEqual(node.status?.conditions?.map((c) => c.type), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
      t.regex(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^skiff:\/\/\d+\.\d+\.\d+/);
      t.regex(node.status?.nodeInfo?.bootID ?? '', /^[0-9a-f-]{36}$/);
      t.is(node.status?.nodeInfo?.kubeletVersion, 'v1.32.0-skiff');
      t.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }]);
      t.deepEqual(node.status?.daemonEndpoints, { kubeletEndpoint: { Port: kubelet.serverPort } });
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

      // A pod bound to the node (no scheduler yet) runs through the pod manager and the runtime.
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sleeper', namespace: 'default' }, spec: { nodeName: name, containers: [{ name: 'c', image: runtime.images.busybox, command: ['sleep', '3600'] }] } };
      t.is((await kubectl(server.kubeconfig, ['create', '-f', '-'], JSON.stringify(pod))).code, 0);
      const running = await until(() => kubectlJson<{ status?: { phase?: string; hostIP?: string } }>(server.kubeconfig, ['get', 'pod', 'sleeper']), (p) => p.status?.phase === 'Running');
      t.is(running.status?.hostIP, '127.0.0.1');
      t.is((await kubectl(server.kubeconfig, ['delete', 'pod', 'sleeper', '--wait=true', '--timeout=120s'])).code, 0);

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
    } catch (err) {
      t.log(logs.join('\n'));
      throw err;
    } finally {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => t.log(`cleanup: ${(err as Error).message}`));
    }
  });
}
