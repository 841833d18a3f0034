// Builds the CRI runtime's deps from flags: the real host, runc under conmon, cgroups, the
// image store, the state stores, the CNI invoker for the configured network and the
// streaming server. The only place that chooses implementations.
import { join } from 'node:path';
import { capabilitiesFromMask } from '../cri/oci/capabilities.js';
import { builtinRunner } from '../cni/builtins.js';
import { CniInvoker } from '../cni/invoker/invoker.js';
import { confDirCache, loadConfDir } from '../cni/invoker/conflist.js';
import { detectCgroups } from '../host/cgroups/detect.js';
import { systemClock } from '../host/clock.js';
import { realHost } from '../host/index.js';
import { probeRuntimeLimits } from '../host/runtime-limits.js';
import { realOciRuntime } from '../host/oci/real.js';
import type { CriDeps, NetworkStatus, PodNetwork } from '../cri/deps.js';
import { loadRegistryHosts, type RegistryHosts } from '../cri/images/registry-hosts.js';
import { ImageStore } from '../cri/images/store.js';
import type { Files } from '../host/files/types.js';
import { privateDir } from '../cri/state/private-dir.js';
import { RuntimeState } from '../cri/state/runtime-state.js';
import { RealFiles } from '../host/files/real.js';
import type { StreamingServer } from '../cri/streaming/server.js';
import type { CriOptions } from './cri.js';

export async function buildCriDeps(opts: CriOptions, networkReady: () => Promise<NetworkStatus>, streaming: (deps: CriDeps) => Promise<StreamingServer>): Promise<CriDeps> {
  const host = realHost();
  const files = new RealFiles();
  const log = (message: string) => process.stderr.write(`skiff cri: ${message}\n`);
  // A bad registries file stops the start before anything is made on disk.
  const registries = await registryHosts(opts, files, log);
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
    images: await ImageStore.open(join(opts.root, 'images'), {
      clock: systemClock,
      pullLimits: { maxConcurrentDownloads: opts.maxConcurrentDownloads, progressTimeoutMs: opts.imagePullProgressTimeoutMs },
      ...registries,
    }),
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

/** The registries file's endpoints, when one is given; rejects (so the runtime does not
 *  start) when it or a TLS file it names is unusable. */
async function registryHosts(opts: CriOptions, files: Files, log: (message: string) => void): Promise<{ hosts?: RegistryHosts }> {
  if (opts.registries === undefined) return {};
  const { hosts, config, warnings } = await loadRegistryHosts(opts.registries, files, { disableDefaultEndpoint: opts.disableDefaultRegistryEndpoint ?? false });
  for (const w of warnings) log(w);
  const names = (m: ReadonlyMap<string, unknown>) => [...m.keys()].join(', ') || 'none';
  log(`registries from ${opts.registries}: mirrors of ${names(config.mirrors)}; configs for ${names(config.configs)}${opts.disableDefaultRegistryEndpoint ? '; mirrored registries are not asked themselves' : ''}`);
  return { hosts };
}

/** What this host lets containers have (src/host/runtime-limits.ts), capabilities by name. */
async function hostLimits(): Promise<CriDeps['hostLimits']> {
  const { capBnd, ...limits } = await probeRuntimeLimits();
  return { ...limits, capabilities: capBnd ? capabilitiesFromMask(capBnd) : undefined };
}
