import test, { type ExecutionContext } from 'ava';
import type { Node } from '../../../../src/api/types.js';
import type { Client } from '../../../../src/client/client.js';
import { Informer } from '../../../../src/client/informer.js';
import { realTimers } from '../../../../src/client/timers.js';
import { podCidrsOf, startNodeIpam } from '../../../../src/controllers/node-ipam/controller.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { startClientFixture } from '../../client/client-fixture.js';

const NODE = { group: '', version: 'v1', plural: 'nodes' } as const;
const node = (name: string, podCIDR?: string): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name }, ...(podCIDR ? { spec: { podCIDR, podCIDRs: [podCIDR] } } : {}),
});

/** Waits (ava's timeout is the limit) until every named Node has a podCIDR, and returns them by name. */
async function cidrsOf(client: Client, names: string[]): Promise<Map<string, string[]>> {
  for (;;) {
    const nodes = (await client.resource<Node>(NODE).list()).items;
    const got = new Map(nodes.map((n) => [n.metadata.name!, podCidrsOf(n)]));
    if (names.every((n) => (got.get(n)?.length ?? 0) > 0)) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function start(t: ExecutionContext, client: Client, clusterCidr: string, nodeCidrMaskSize = 24) {
  const nodes = new Informer<Node>({ source: client.resource<Node>(NODE), clock: new FakeClock(), timers: realTimers });
  const lines: string[] = [];
  const ipam = startNodeIpam({ nodes, client: client.resource<Node>(NODE), clock: new FakeClock(), timers: realTimers, log: (l) => lines.push(l), clusterCidr, nodeCidrMaskSize });
  nodes.start();
  t.teardown(async () => {
    await ipam.stop();
    await nodes.stop();
  });
  return { ipam, lines };
}

test('each new Node gets its own block; Nodes that already have one keep it (a restart)', async (t) => {
  const { client } = await startClientFixture(t);
  const nodes = client.resource<Node>(NODE);
  await nodes.create(node('kept', '10.244.0.0/24'));
  await nodes.create(node('old'));
  const { ipam } = start(t, client, '10.244.0.0/16');
  await ipam.ready;
  await nodes.create(node('new'));
  const cidrs = await cidrsOf(client, ['kept', 'old', 'new']);
  t.deepEqual(cidrs.get('kept'), ['10.244.0.0/24']);
  t.deepEqual(new Set([cidrs.get('old')![0], cidrs.get('new')![0]]), new Set(['10.244.1.0/24', '10.244.2.0/24']));
  const full = await nodes.get('new');
  t.is(full.spec?.podCIDR, full.spec?.podCIDRs?.[0], 'podCIDR is the first of podCIDRs, as validation requires');
});

test('a deleted Node\'s block goes back to the range and the next Node gets it', async (t) => {
  const { client } = await startClientFixture(t);
  const nodes = client.resource<Node>(NODE);
  const { ipam } = start(t, client, '10.0.0.0/23');
  await ipam.ready;
  await nodes.create(node('a'));
  await nodes.create(node('b'));
  const first = await cidrsOf(client, ['a', 'b']);
  await nodes.create(node('c')); // the range is full: c waits
  await nodes.delete('a');
  const after = await cidrsOf(client, ['b', 'c']);
  t.deepEqual(after.get('c'), first.get('a'));
  t.deepEqual(after.get('b'), first.get('b'));
});

test('a restarted controller rebuilds the set from the Nodes and never hands out a block twice', async (t) => {
  const { client } = await startClientFixture(t);
  const nodes = client.resource<Node>(NODE);
  const first = start(t, client, '10.244.0.0/16');
  await first.ipam.ready;
  await nodes.create(node('a'));
  await nodes.create(node('b'));
  await cidrsOf(client, ['a', 'b']);
  await first.ipam.stop();
  const second = start(t, client, '10.244.0.0/16');
  await second.ipam.ready;
  await nodes.create(node('c'));
  const cidrs = await cidrsOf(client, ['a', 'b', 'c']);
  t.is(new Set([...cidrs.values()].map((c) => c[0])).size, 3);
});

test('a cluster CIDR or mask size that cannot work is refused at start', async (t) => {
  const { client } = await startClientFixture(t);
  const nodes = new Informer<Node>({ source: client.resource<Node>(NODE), clock: new FakeClock(), timers: realTimers });
  const deps = { nodes, client: client.resource<Node>(NODE), clock: new FakeClock(), timers: realTimers, log: () => undefined };
  t.throws(() => startNodeIpam({ ...deps, clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 8 }), { message: /mask size must be less than or equal/ });
  t.throws(() => startNodeIpam({ ...deps, clusterCidr: 'ten', nodeCidrMaskSize: 24 }), { message: 'invalid CIDR address: ten' });
});

test('a Node written between the cache and the assignment (the kubelet\'s first status) still gets the first block, without a failure', async (t) => {
  const { client } = await startClientFixture(t);
  const real = client.resource<Node>(NODE);
  let raced = 0;
  // Every first write of a podCIDR races with another writer, which the resourceVersion condition catches.
  const racing = Object.assign(Object.create(real) as typeof real, {
    patch: async (name: string, type: Parameters<typeof real.patch>[1], patch: unknown) => {
      if (raced++ === 0) await real.patch(name, 'merge', { metadata: { labels: { kubelet: 'status' } } });
      return real.patch(name, type, patch);
    },
  });
  const nodes = new Informer<Node>({ source: real, clock: new FakeClock(), timers: realTimers });
  const lines: string[] = [];
  const ipam = startNodeIpam({ nodes, client: racing, clock: new FakeClock(), timers: realTimers, log: (l) => lines.push(l), clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24 });
  nodes.start();
  t.teardown(async () => {
    await ipam.stop();
    await nodes.stop();
  });
  await ipam.ready;
  await real.create(node('n'));
  const cidrs = await cidrsOf(client, ['n']);
  t.deepEqual(cidrs.get('n'), ['10.244.0.0/24']);
  t.is((await real.get('n')).metadata.labels?.['kubelet'], 'status', 'the other writer\'s change is kept');
  t.deepEqual(lines, ['node n: podCIDR 10.244.0.0/24']);
});
