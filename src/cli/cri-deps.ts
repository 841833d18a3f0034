// Builds the CRI runtime's deps from flags: the real host, runc under conmon, cgroups, the
// image store, the state stores, the CNI invoker for the configured network and the
// streaming server. The only place that chooses implementations.
import { access, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { capabilitiesFromMask } from '../cri/oci/capabilities.js';
import { builtinRunner } from '../cni/builtins.js';
import { CniInvoker } from '../cni/invoker/invoker.js';
import { confDirCache, loadConfDir } from '../cni/invoker/conflist.js';
import { detectCgroups } from '../host/cgroups/detect.js';
import { realHost } from '../host/index.js';
import { realOciRuntime } from '../host/oci/real.js';
import type { CriDeps, NetworkStatus, PodNetwork } from '../cri/deps.js';
import { ImageStore } from '../cri/images/store.js';
import { privateDir } from '../cri/state/private-dir.js';
import { RuntimeState } from '../cri/state/runtime-state.js';
import { systemClock } from '../host/clock.js';
import { RealFiles } from '../host/files/real.js';
import type { StreamingServer } from '../cri/streaming/server.js';
import type { CriOptions } from './cri.js';

export async function buildCriDeps(opts: CriOptions, networkReady: () => Promise<NetworkStatus>, streaming: (deps: CriDeps) => Promise<StreamingServer>): Promise<CriDeps> {
  const host = realHost();
  const files = new RealFiles();
  const log = (message: string) => process.stderr.write(`skiff cri: ${message}\n`);
  // The root first: 0700 before anything is made under it, so nothing is ever reachable.
  await privateDir(opts.root, files);
  await Promise.all(['state', 'sandboxes', 'containers'].map((d) => privateDir(join(opts.root, d), files)));
  const { state, errors } = await RuntimeState.open(join(opts.root, 'state'), systemClock);
  for (const e of errors) log(`unreadable record ${e}`);
  const runner = builtinRunner({ netlink: host.netlink, sysctl: host.sysctl, nft: host.nft, conntrack: host.conntrack });
  const invoker = new CniInvoker({ runner, paths: opts.cniBinDir, cacheDir: join(opts.root, 'cni') });
  const network = confDirCache(opts.cniConfDir, async (): Promise<PodNetwork | undefined> => {
    const list = (await loadConfDir(opts.cniConfDir)).lists[0]?.list;
    return list && { list, invoker };
  });
  const deps: Omit<CriDeps, 'streaming'> & { streaming?: StreamingServer } = {
    networkReady, cgroupDriver: 'cgroupfs', host, files, log, network,
    images: await ImageStore.open(join(opts.root, 'images'), { pullLimits: { maxConcurrentDownloads: opts.maxConcurrentDownloads, progressTimeoutMs: opts.imagePullProgressTimeoutMs } }),
    oci: realOciRuntime({ runcRoot: join(opts.root, 'runc') }),
    cgroups: await detectCgroups({ root: '' }),
    state,
    dirs: { sandboxes: join(opts.root, 'sandboxes'), containers: join(opts.root, 'containers') },
    defaultCgroupParent: opts.cgroupParent.replace(/^\/+/, ''),
    hostLimits: await hostLimits(),
  };
  deps.streaming = await streaming(deps as CriDeps);
  return deps as CriDeps;
}

/**
 * What this host lets containers have. Without CAP_SYS_RESOURCE (e.g. some VMs) a negative
 * oom_score_adj makes runc fail; we find out by trying on ourselves and restoring.
 */
async function hostLimits(): Promise<CriDeps['hostLimits']> {
  const path = '/proc/self/oom_score_adj';
  const current = (await readFile(path, 'utf8')).trim();
  let negativeOomScoreAdj = false;
  try {
    await writeFile(path, '-1');
    negativeOomScoreAdj = true;
  } catch {}
  await writeFile(path, current).catch(() => undefined);
  const status = await readFile('/proc/self/status', 'utf8');
  const capBnd = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  const nofile = /^Max open files\s+\S+\s+(\d+)/m.exec(await readFile('/proc/self/limits', 'utf8'))?.[1];
  const exists = (p: string) => access(p).then(() => true, () => false);
  return {
    negativeOomScoreAdj,
    capabilities: capBnd ? capabilitiesFromMask(capBnd) : undefined,
    maxNofile: nofile ? Number(nofile) : undefined,
    swap: (await exists('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')) || (await exists('/sys/fs/cgroup/memory.swap.max')),
    hugetlb: (await exists('/sys/fs/cgroup/hugetlb')) || (await readFile('/sys/fs/cgroup/cgroup.controllers', 'utf8').catch(() => '')).includes('hugetlb'),
    arch: process.arch,
    hostname: hostname(),
  };
}
