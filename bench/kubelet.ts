// `skiff up` as a node, on skiff's embedded runtime (ours) and on Debian's containerd 1.6 (the
// peer: the same `skiff up` with --container-runtime-endpoint), each in a private node netns of
// its own, one after the other:
//   node-ready     from starting `skiff up` to the Node Ready as a watch sees it (s)
//   pod-start      PODS pods bound to the node by spec.nodeName, created one after another
//                  through the API, each from the create call to the watch event that shows it
//                  Running (ms; image already pulled by the runtime, pause too for containerd)
//   rss            resident memory of the node's own processes (skiff; plus containerd and its
//                  shims for the peer; skiff's conmons for ours), idle and with PODS pods (MiB)
// The API side runs in the netns (bench/kubelet-pods.ts), where the apiserver listens.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { criClient } from '../src/cri/client.js';
import { Cleanup, pidsMatching } from '../test/cri/fixtures.js';
import { startNodeContainerd } from '../test/helpers/node-containerd.js';
import { createNodeNetns, type NodeNs, type RunningUp } from '../test/helpers/node-netns.js';
import { uniq } from '../test/helpers/names.js';
import { bench, percentile } from './report.js';

const PODS = Number(process.env.BENCH_KUBELET_PODS ?? 30);
const DRIVER = new URL('./kubelet-pods.ts', import.meta.url).pathname;

interface Side {
  readyS: number;
  podStartMs: number[];
  /** MiB: the node's processes, and the skiff process alone. */
  rssIdle: number;
  rssPods: number;
  skiffIdle: number;
  skiffPods: number;
  runtime: string;
}

interface Runtime {
  /** Extra `skiff up` flags. */
  flags: string[];
  endpoint: string;
  image: string;
  /** Images the runtime pulls before anything is timed. */
  prePull: string[];
  /** PIDs of the node's processes besides skiff. */
  pids(): Promise<number[]>;
  stop(): Promise<void>;
}

/** skiff's embedded runtime, pulling registry.k8s.io through a registries.yaml mirror. */
async function embedded(node: NodeNs): Promise<Runtime> {
  const local = await node.busybox();
  const registriesYaml = join(node.dataDir, 'registries.yaml');
  await writeFile(registriesYaml, `mirrors:\n  registry.k8s.io:\n    endpoint:\n      - "http://${local.split('/')[0]}"\n`);
  const image = `registry.k8s.io/${local.split('/').slice(1).join('/')}`;
  return {
    flags: ['--registries', registriesYaml], endpoint: `unix://${join(node.dataDir, 'agent/cri.sock')}`, image, prePull: [image],
    pids: async () => (await pidsMatching(node.dataDir)).map((p) => p.pid), stop: async () => {},
  };
}

/** containerd, reading skiff's conflist and pulling through its own registry.k8s.io mirror. */
async function containerd(node: NodeNs, cleanup: Cleanup): Promise<Runtime> {
  const ctd = await startNodeContainerd(node, cleanup);
  const socket = ctd.endpoint.slice('unix://'.length);
  return {
    flags: ['--container-runtime-endpoint', ctd.endpoint], endpoint: ctd.endpoint, image: ctd.busybox, prePull: [ctd.busybox, ctd.images.pause],
    pids: async () => [...await pidsMatching(socket), ...await pidsMatching(join(ctd.dir, 'config.toml')), ...await pidsMatching(node.dataDir)].map((p) => p.pid),
    stop: () => ctd.stop(),
  };
}

async function rssMiB(pids: Iterable<number>): Promise<number> {
  let kb = 0;
  for (const pid of new Set(pids)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kb += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

interface Driver {
  /** Wall-clock ms at which the driver's watch saw the Node Ready. */
  readonly ready: Promise<number>;
  /** Lets it create the pods; resolves with their create-to-Running times (ms). */
  go(): Promise<number[]>;
}

/** Runs the API side in the netns: it reports Ready, then waits for go() before the pods. */
function driver(node: NodeNs, nodeName: string, image: string, cleanup: Cleanup): Driver {
  const args = JSON.stringify({ kubeconfig: node.adminKubeconfig, nodeName, image, pods: PODS });
  // Its arguments in the environment: an argv naming the data dir would count it among the node's processes.
  const child = spawn('nsenter', [`--net=${node.netns}`, process.execPath, '--import', 'tsx', DRIVER], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_KUBELET_ARGS: args } });
  cleanup.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let out = '';
  const ready = deferred<number>();
  const samples = deferred<number[]>();
  samples.promise.catch(() => undefined); // only go()'s caller waits for it
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const msg = JSON.parse(out.slice(0, nl)) as { readyAt?: number; samples?: number[] };
      out = out.slice(nl + 1);
      if (msg.readyAt !== undefined) ready.resolve(msg.readyAt);
      if (msg.samples) samples.resolve(msg.samples);
    }
  });
  // After both resolved, these rejections change nothing.
  child.once('exit', (code) => {
    const err = new Error(`the API driver exited ${code} before its samples`);
    ready.reject(err);
    samples.reject(err);
  });
  return {
    ready: ready.promise,
    go: () => {
      child.stdin.end('go\n');
      return samples.promise;
    },
  };
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(err: Error): void } {
  let resolve: (v: T) => void = () => {};
  let reject: (err: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

async function measure(name: string, start: (node: NodeNs, cleanup: Cleanup) => Promise<Runtime>): Promise<Side> {
  const cleanup = new Cleanup();
  let up: RunningUp | undefined;
  try {
    const node = await createNodeNetns(cleanup);
    const rt = await start(node, cleanup);
    cleanup.push(() => rt.stop());
    const nodeName = uniq('-bench');
    const startedAt = Date.now();
    up = node.up(['--node-name', nodeName, ...rt.flags]);
    const running = up;
    await running.waitFor(/\n/, 'stdout'); // the KUBECONFIG line: admin.kubeconfig is written
    const api = driver(node, nodeName, rt.image, cleanup);
    const readyAt = await api.ready;
    const cri = criClient(rt.endpoint);
    try {
      for (const image of rt.prePull) await cri.image.pullImage({ image: { image } });
    } finally {
      cri.close();
    }
    // A moment for the start-up's garbage to be collected before reading "idle".
    await new Promise((r) => setTimeout(r, 5000));
    const rssIdle = await rssMiB([running.proc.pid!, ...await rt.pids()]);
    const skiffIdle = await rssMiB([running.proc.pid!]);
    const samples = await api.go();
    const rssPods = await rssMiB([running.proc.pid!, ...await rt.pids()]);
    const skiffPods = await rssMiB([running.proc.pid!]);
    const version = await node.kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.status.nodeInfo.containerRuntimeVersion}']);
    const deleted = await node.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=300s']);
    if (deleted.code !== 0) console.error(`kubelet bench (${name}): deleting the pods: ${deleted.stderr}`);
    await running.stop();
    return { readyS: (readyAt - startedAt) / 1000, podStartMs: samples, rssIdle, rssPods, skiffIdle, skiffPods, runtime: version.stdout };
  } catch (err) {
    if (up) console.error(up.stderr());
    throw err;
  } finally {
    await cleanup.run();
  }
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the kubelet benchmark needs root');
  const ours = await measure('skiff', (node) => embedded(node));
  const peer = await measure('containerd', containerd);
  const peerName = `skiff up on ${peer.runtime}`;
  console.log(`kubelet: skiff up in a private netns, on its embedded runtime (${ours.runtime}) vs on ${peer.runtime}; ${PODS} pods created one after another, create to Running`);
  console.log(`kubelet: skiff process alone: idle ${ours.skiffIdle.toFixed(1)} vs ${peer.skiffIdle.toFixed(1)} MiB, with ${PODS} pods ${ours.skiffPods.toFixed(1)} vs ${peer.skiffPods.toFixed(1)} MiB (ours embeds the runtime)`);
  bench({ name: 'kubelet.node-ready', unit: 's', ours: ours.readyS, peer: peer.readyS, peer_name: peerName, better: 'lower' });
  for (const p of [50, 99]) {
    bench({ name: `kubelet.pod-start.p${p}`, unit: 'ms', ours: percentile(ours.podStartMs, p), peer: percentile(peer.podStartMs, p), peer_name: peerName, better: 'lower' });
  }
  bench({ name: 'kubelet.rss.idle', unit: 'MiB', ours: ours.rssIdle, peer: peer.rssIdle, peer_name: `${peerName} (skiff + containerd)`, better: 'lower' });
  bench({ name: `kubelet.rss.${PODS}-pods`, unit: 'MiB', ours: ours.rssPods, peer: peer.rssPods, peer_name: `${peerName} (skiff + containerd + shims)`, better: 'lower' });
}
