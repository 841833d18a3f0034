// The node agent against the in-process apiserver as a kubelet's identity (system:node:<name>,
// client certificate from the cluster CA), on the fake machine and a fake CRI, with time
// stepped by ManualTimers: registration and adoption, the Lease, the status patches.
import test, { type ExecutionContext } from 'ava';
import type { Lease, Node } from '../../../../src/api/types.js';
import { issueClientCertificate } from '../../../../src/apiserver/pki.js';
import type { Client } from '../../../../src/client/client.js';
import { InformerFactory } from '../../../../src/client/informer-factory.js';
import { ManualTimers, realTimers } from '../../../../src/client/timers.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { FakeFiles } from '../../../../src/host/files/fake.js';
import { FakeNodeInfo } from '../../../../src/host/nodeinfo/fake.js';
import { unimplemented } from '../../../../src/cri/errors.js';
import { LEASES, NODES, STATUS_REPORT_INTERVAL_MS, startNodeAgent } from '../../../../src/kubelet/node/agent.js';
import type { NodeAgent } from '../../../../src/kubelet/types.js';
import { startClientFixture, type ClientFixture } from '../../client/client-fixture.js';
import { testPki } from '../../apiserver/fixture.js';
import { FakeNodeCri } from './fake-cri.js';

let seq = 0;

/** Polls fn (a failure counts as not yet) until done holds; ava's timeout is the limit. */
async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await fn().then((x) => ({ x }), () => undefined);
    if (v && done(v.x)) return v.x;
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Setup {
  f: ClientFixture;
  name: string;
  cri: FakeNodeCri;
  info: FakeNodeInfo;
  timers: ManualTimers;
  logs: string[];
  nodeClient: Client;
  start(identity?: string): NodeAgent;
  node(): Promise<Node>;
  lease(): Promise<Lease | undefined>;
}

async function setup(t: ExecutionContext): Promise<Setup> {
  const f = await startClientFixture(t);
  const name = `n${++seq}`;
  const cri = new FakeNodeCri();
  const info = new FakeNodeInfo();
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const timers = new ManualTimers(clock);
  const logs: string[] = [];
  const clientFor = (identity: string) => {
    const cert = issueClientCertificate(testPki().ca, `system:node:${identity}`, ['system:nodes']);
    return f.clientWith({ cert: cert.cert, key: cert.key });
  };
  const nodeClient = clientFor(name);
  const agents: NodeAgent[] = [];
  const factories: InformerFactory[] = [];
  t.teardown(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(factories.map((x) => x.stop()));
  });
  return {
    f, name, cri, info, timers, logs, nodeClient,
    start(identity = name) {
      const client = identity === name ? nodeClient : clientFor(identity);
      const informers = new InformerFactory({ client, clock: new FakeClock(), timers: realTimers });
      factories.push(informers);
      const agent = startNodeAgent({
        nodeName: name, client, informers, cri, clock, timers, files: new FakeFiles(), log: (l) => logs.push(l),
        kubeletPort: 10250, podCount: () => 0, nodeInfo: info, rootDir: '/var/lib/skiff/kubelet',
      });
      informers.start();
      agents.push(agent);
      return agent;
    },
    node: () => f.client.resource<Node>(NODES).get(name),
    lease: () => f.client.resource<Lease>(LEASES, 'kube-node-lease').get(name).catch(() => undefined),
  };
}

const assignCidr = (s: Setup, cidr: string) => s.f.client.resource<Node>(NODES).patch(s.name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });

test('registers the Node with its labels and status, and is registered only once the node IPAM gave it a podCIDR', async (t) => {
  const s = await setup(t);
  s.cri.images = [{ repoTags: ['registry.test/busybox:1'], repoDigests: ['registry.test/busybox@sha256:ab'], size: '4096' }];
  const agent = s.start();
  let registered = false;
  void agent.registered.then(() => { registered = true; }, () => {});
  const node = await until(s.node, (n) => n.status?.conditions?.length === 4);
  t.like(node.metadata.labels, { 'kubernetes.io/hostname': s.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64' });
  t.is(node.metadata.annotations?.['volumes.kubernetes.io/controller-managed-attach-detach'], 'true');
  t.deepEqual(node.status?.capacity, { cpu: '2', 'ephemeral-storage': '100Gi', memory: '4Gi', pods: '110' });
  t.deepEqual(node.status?.allocatable, { cpu: '2', 'ephemeral-storage': '96636764000', memory: '3996Mi', pods: '110' });
  t.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '192.0.2.10' }, { type: 'Hostname', address: s.name }]);
  t.is(node.status?.nodeInfo?.containerRuntimeVersion, 'fakeruntime://1.2.3');
  t.deepEqual(node.status?.images, [{ names: ['registry.test/busybox@sha256:ab', 'registry.test/busybox:1'], sizeBytes: 4096 }]);
  t.like(node.status?.conditions?.find((c) => c.type === 'Ready'), { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2026-01-01T12:00:00Z' });
  t.false(registered, 'no podCIDR yet');
  t.deepEqual(s.cri.podCidrs, []);

  await assignCidr(s, '10.244.3.0/24');
  const got = await agent.registered;
  t.is(got.spec?.podCIDR, '10.244.3.0/24');
  t.deepEqual(s.cri.podCidrs, ['10.244.3.0/24'], 'the runtime is told the pod CIDR, as upstream\'s UpdateRuntimeConfig');
});

test('the Lease: held by the node for 40 s, owned by its Node, renewTime moved every 10 s', async (t) => {
  const s = await setup(t);
  const agent = s.start();
  await until(s.node, (n) => Boolean(n.status?.conditions?.length));
  await assignCidr(s, '10.244.4.0/24');
  const node = await agent.registered;
  const lease = await until(s.lease, (l) => l !== undefined);
  t.like(lease!.spec, { holderIdentity: s.name, leaseDurationSeconds: 40, renewTime: '2026-01-01T12:00:00.000000Z' });
  t.deepEqual(lease!.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: s.name, uid: node.metadata.uid! }]);
  s.timers.advance(10_000);
  const renewed = await until(s.lease, (l) => l?.spec?.renewTime !== lease!.spec?.renewTime);
  t.is(renewed!.spec?.renewTime, '2026-01-01T12:00:10.000000Z');
  // Deleted behind its back (or by a garbage collector): created again at the next renewal.
  await s.f.client.resource<Lease>(LEASES, 'kube-node-lease').delete(s.name);
  s.timers.advance(10_000);
  const again = await until(s.lease, (l) => l !== undefined);
  t.is(again!.spec?.renewTime, '2026-01-01T12:00:20.000000Z');
});

test('status: not written while nothing changes, written at once when something does, and every 5 min regardless', async (t) => {
  const s = await setup(t);
  const agent = s.start();
  await until(s.node, (n) => Boolean(n.status?.conditions?.length));
  await assignCidr(s, '10.244.5.0/24');
  await agent.registered;
  const settled = await s.node();
  // Both loops (lease, status) have rescheduled themselves: the runs of the last tick are over.
  const idle = () => until(async () => s.timers.pendingDelays().length, (n) => n === 2);
  await idle();
  s.timers.advance(10_000);
  await idle();
  s.timers.advance(10_000);
  await idle();
  t.is((await s.lease())?.spec?.renewTime, '2026-01-01T12:00:20.000000Z');
  t.is((await s.node()).metadata.resourceVersion, settled.metadata.resourceVersion, 'heartbeat only: no write within 5 min');

  s.cri.networkReady = false;
  s.timers.advance(10_000);
  const notReady = await until(s.node, (n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False');
  t.like(notReady.status?.conditions?.find((c) => c.type === 'Ready'), {
    reason: 'KubeletNotReady', lastTransitionTime: '2026-01-01T12:00:30Z',
    message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
  });
  const memory = notReady.status?.conditions?.find((c) => c.type === 'MemoryPressure');
  t.is(memory?.lastHeartbeatTime, '2026-01-01T12:00:30Z');

  s.timers.advance(STATUS_REPORT_INTERVAL_MS);
  const reported = await until(s.node, (n) => n.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.lastHeartbeatTime !== memory?.lastHeartbeatTime);
  t.is(reported.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.lastHeartbeatTime, '2026-01-01T12:05:30Z');
  t.is(reported.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.lastTransitionTime, '2026-01-01T12:00:00Z');
});

test('a restart adopts the existing Node: its spec, other labels and conditions stay, the kubelet\'s labels come back', async (t) => {
  const s = await setup(t);
  await s.f.client.resource<Node>(NODES).create({
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: s.name, labels: { 'kubernetes.io/os': 'plan9', team: 'a' } },
    spec: { podCIDR: '10.244.6.0/24', podCIDRs: ['10.244.6.0/24'], taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] },
  });
  const before = await s.node();
  s.cri.updateRuntimeConfigError = unimplemented('UpdateRuntimeConfig is not implemented');
  const node = await s.start().registered;
  t.is(node.metadata.uid, before.metadata.uid, 'the same object');
  t.like(node.metadata.labels, { 'kubernetes.io/os': 'linux', team: 'a', 'kubernetes.io/hostname': s.name });
  t.deepEqual(node.spec?.taints, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
  t.like(node.status?.conditions?.find((c) => c.type === 'Ready'), { status: 'True' });
  t.false(s.logs.some((l) => l.includes('UpdateRuntimeConfig')), 'a runtime without UpdateRuntimeConfig is not an error');
});

test('refused registration is retried with backoff; stop() ends it and rejects registered', async (t) => {
  const s = await setup(t);
  const agent = s.start('someone-else');
  await until(async () => s.logs.length, (n) => n > 0);
  t.regex(s.logs[0]!, new RegExp(`^node ${s.name}: registering: .*forbidden.*; retrying in 200 ms$`));
  s.timers.advance(200);
  await until(async () => s.logs.length, (n) => n > 1);
  t.regex(s.logs[1]!, /retrying in 400 ms$/);
  await agent.stop();
  await t.throwsAsync(agent.registered, { message: `node agent stopped before node "${s.name}" was registered` });
});

test('a node registered NotReady asks the runtime every 100 ms and is Ready as soon as it is, not at the next 10 s sync', async (t) => {
  const s = await setup(t);
  s.cri.networkReady = false;
  s.start();
  const notReady = await until(s.node, (n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False');
  t.regex(notReady.status!.conditions!.find((c) => c.type === 'Ready')!.message!, /^container runtime network not ready: NetworkReady=false/);
  await until(async () => s.timers.pendingDelays(), (d) => d.includes(100));
  s.timers.advance(100);
  await until(async () => s.timers.pendingDelays(), (d) => d.includes(100));
  s.cri.networkReady = true;
  s.timers.advance(100);
  const ready = await until(s.node, (n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
  t.is(ready.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, '2026-01-01T12:00:00Z', '200 ms after the start, not 10 s');
  // The fast loop has ended: what is left are the lease's and the status's 10 s periods.
  const left = await until(async () => s.timers.pendingDelays(), (d) => d.length === 2 && d.every((ms) => ms >= 9_800));
  t.is(left.length, 2);
});
