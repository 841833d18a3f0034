import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRunner } from '../src/cni/builtins.js';
import { serveCni } from '../src/cni/daemon/server.js';
import { ExecRunner, type PluginRunner } from '../src/cni/exec.js';
import { CniInvoker } from '../src/cni/invoker/invoker.js';
import type { NetConfList } from '../src/cni/types.js';
import { realHost } from '../src/host/index.js';
import { bench, percentile, timed } from './report.js';

// ADD then DEL of one pod network (loopback + bridge with host-local), repeated: skiff's
// plugins exec'd with no daemon (the shim falls back to its Node bundle), exec'd with a
// daemon (the shim forwards to serveCni, which stays in this process: it acts in the
// namespace of the exec'd shim), in-process, and the reference plugins exec'd, all driven by
// the same invoker from a private "node" namespace.

const N = Number(process.env.BENCH_CNI_ROUNDS ?? 30);
const OURS = new URL('../dist/cni', import.meta.url).pathname;
const REFERENCE = '/usr/lib/cni';

function lists(kind: 'ours' | 'reference', dataDir: string, bridge: string): NetConfList[] {
  const t = (name: string) => (kind === 'ours' ? `skiff-${name}` : name);
  return [
    { cniVersion: '1.0.0', name: `lo-${kind}`, plugins: [{ cniVersion: '1.0.0', name: `lo-${kind}`, type: t('loopback') }] },
    {
      cniVersion: '1.0.0', name: `pods-${kind}`,
      plugins: [{ cniVersion: '1.0.0', name: `pods-${kind}`, type: t('bridge'), bridge, isGateway: true, isDefaultGateway: true, ipam: { type: t('host-local'), ranges: [[{ subnet: kind === 'ours' ? '10.244.70.0/24' : '10.244.71.0/24' }]], dataDir } }],
    },
  ];
}

/** The executables see SKIFF_CNI_SOCKET in their env (no extra `env` exec in the timing). */
function withSocket(runner: PluginRunner, socket: string): PluginRunner {
  return { run: (type, env, stdin, paths) => runner.run(type, { ...env, SKIFF_CNI_SOCKET: socket }, stdin, paths) };
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the cni benchmark needs root');
  const host = realHost();
  const node = `/run/netns/skbcni${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-cni-'));
  await host.netns.create({ net: node });
  const daemon = await serveCni({ socket: join(dir, 'cni.sock'), deps: host });
  try {
    const execIn = new ExecRunner(['nsenter', `--net=${node}`]);
    // "exec" is the shim's fallback: a socket nobody serves, whatever runs on this machine.
    const viaFallback = withSocket(execIn, join(dir, 'none.sock'));
    const viaDaemon = withSocket(execIn, daemon.socket);
    const sides: Record<string, { runner: PluginRunner; kind: 'ours' | 'reference'; bridge: string }> = {
      exec: { runner: viaFallback, kind: 'ours', bridge: 'br-exec' },
      'exec-daemon': { runner: viaDaemon, kind: 'ours', bridge: 'br-daemon' },
      'in-process': { runner: builtinRunner({ ...host, hostNetns: node, fallback: viaFallback }), kind: 'ours', bridge: 'br-inproc' },
      reference: { runner: execIn, kind: 'reference', bridge: 'br-ref' },
    };
    const samples: Record<string, { add: number[]; del: number[] }> = {};
    for (const name of Object.keys(sides)) samples[name] = { add: [], del: [] };
    for (let i = 0; i < N; i++) {
      for (const [name, side] of Object.entries(sides)) {
        const cni = new CniInvoker({ runner: side.runner, paths: [OURS, REFERENCE], cacheDir: join(dir, name) });
        const nets = lists(side.kind, join(dir, `${name}-ipam`), side.bridge);
        const pod = `/run/netns/skbcni${process.pid}p${i}${name.slice(0, 2)}`;
        await host.netns.create({ net: pod });
        const rt = { containerId: `c${i}`, netns: pod, ifname: 'eth0' };
        samples[name]!.add.push(await timed(async () => {
          for (const list of nets) await cni.add(list, rt);
        }));
        samples[name]!.del.push(await timed(async () => {
          for (const list of [...nets].reverse()) await cni.del(list, rt);
        }));
        await host.netns.remove(pod);
      }
    }
    console.log(`cni: ${N} rounds of ADD then DEL (loopback + bridge/host-local), from one invoker; the daemon answered ${daemon.served()} calls`);
    for (const op of ['add', 'del'] as const) {
      for (const p of [50, 99]) {
        const ref = percentile(samples.reference![op], p);
        for (const ours of ['exec', 'exec-daemon', 'in-process']) {
          bench({ name: `cni.${op}.${ours}.p${p}`, unit: 'ms', ours: percentile(samples[ours]![op], p), peer: ref, peer_name: 'containernetworking-plugins 1.1.1 (exec)', better: 'lower' });
        }
      }
    }
  } finally {
    await daemon.close();
    await host.netns.remove(node);
    await rm(dir, { recursive: true, force: true });
  }
}
