import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { realHost } from '../src/host/index.js';
import type { NetOp } from '../src/host/netlink/types.js';
import { bench, percentile, timed } from './report.js';

// N "pods" (netns + veth pair with one end moved in + address + route + up), then torn
// down: ours through the addon vs the same steps as iproute2 commands. Everything happens
// under a private "node" namespace, so the host's own namespace is never touched.

const execFileAsync = promisify(execFile);
const ip = (...args: string[]) => execFileAsync('ip', args);
const N = Number(process.env.BENCH_PODS ?? 100);

interface Pod { ns: string; host: string; cidr: string; gw: string }

function pod(tag: string, i: number): Pod {
  const third = Math.floor(i / 250);
  return { ns: `skb${tag}${process.pid}p${i}`, host: `skv${tag}${i}`, cidr: `10.244.${third}.${(i % 250) + 2}/16`, gw: '10.244.255.1' };
}

const podOps = (p: Pod): NetOp[] => [
  { op: 'link.set', name: 'lo', up: true },
  { op: 'addr.add', dev: 'eth0', cidr: p.cidr },
  { op: 'link.set', name: 'eth0', up: true },
  { op: 'route.add', dst: 'default', via: p.gw, dev: 'eth0' },
];

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the netlink benchmark needs root');
  const host = realHost();
  const node = `skbnode${process.pid}`;
  const nodePath = `/run/netns/${node}`;
  await host.netns.create({ net: nodePath });
  try {
    const results: Record<string, { up: number[]; down: number[] }> = { ours: { up: [], down: [] }, iproute2: { up: [], down: [] } };
    const ours = async (p: Pod) => {
      const path = `/run/netns/${p.ns}`;
      results.ours!.up.push(await timed(async () => {
        await host.netns.create({ net: path });
        await host.netlink.apply([{ op: 'link.add', name: p.host, kind: 'veth', peer: { name: 'eth0', netns: path } }, { op: 'link.set', name: p.host, up: true }], nodePath);
        await host.netlink.apply(podOps(p), path);
      }));
      results.ours!.down.push(await timed(() => host.netns.remove(path)));
    };
    const peer = async (p: Pod) => {
      results.iproute2!.up.push(await timed(async () => {
        await ip('netns', 'add', p.ns);
        await ip('-n', node, 'link', 'add', p.host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.ns);
        await ip('-n', node, 'link', 'set', p.host, 'up');
        await ip('-n', p.ns, 'link', 'set', 'lo', 'up');
        await ip('-n', p.ns, 'addr', 'add', p.cidr, 'dev', 'eth0');
        await ip('-n', p.ns, 'link', 'set', 'eth0', 'up');
        await ip('-n', p.ns, 'route', 'add', 'default', 'via', p.gw, 'dev', 'eth0');
      }));
      results.iproute2!.down.push(await timed(() => ip('netns', 'del', p.ns)));
    };
    // Interleaved, so drift in machine load hits both sides alike.
    for (let i = 0; i < N; i++) {
      await ours(pod('o', i));
      await peer(pod('i', i));
    }
    const report = (what: 'up' | 'down' | 'total') => {
      const series = (k: string) => (what === 'total' ? results[k]!.up.map((u, i) => u + results[k]!.down[i]!) : results[k]![what]);
      for (const p of [50, 99]) {
        bench({ name: `netlink.pod_${what}.p${p}`, unit: 'ms', ours: percentile(series('ours'), p), peer: percentile(series('iproute2'), p), peer_name: 'iproute2', better: 'lower' });
      }
    };
    console.log(`netlink: ${N} pods (netns + veth into it + address + default route + up), then torn down`);
    report('up');
    report('down');
    report('total');
  } finally {
    await host.netns.remove(nodePath);
  }
}
