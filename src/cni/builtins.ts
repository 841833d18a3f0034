import { bridgePlugin } from '../../cni-plugins/bridge/bridge.js';
import { hostLocalPlugin } from '../../cni-plugins/host-local/host-local.js';
import { DiskStore } from '../../cni-plugins/host-local/store.js';
import { nftMasquerade } from '../../cni-plugins/bridge/nat.js';
import { nftSpoofCheck } from '../../cni-plugins/bridge/spoof.js';
import { loopbackPlugin } from '../../cni-plugins/loopback/loopback.js';
import { portmapPlugin } from '../../cni-plugins/portmap/portmap.js';
import { realFiles } from '../host/files/real.js';
import type { Files } from '../host/files/types.js';
import type { Conntrack, Nft } from '../host/nft/types.js';
import type { Netlink } from '../host/netlink/types.js';
import type { Sysctl } from '../host/sysctl/types.js';
import { ExecRunner, InProcessRunner, type PluginRunner } from './exec.js';
import type { Plugin } from './skel.js';

/** The plugin types builtins() answers in-process: they need no executable on CNI_PATH. */
export const BUILTIN_PLUGIN_TYPES: ReadonlySet<string> = new Set(['skiff-loopback', 'skiff-host-local', 'skiff-bridge', 'skiff-portmap']);

export interface BuiltinDeps {
  netlink: Netlink;
  sysctl: Sysctl;
  nft: Nft;
  conntrack: Conntrack;
  /** The node's namespace; undefined = this process's own (the normal case). */
  hostNetns?: string;
  /** Runs every other plugin type (default: exec from CNI_PATH). */
  fallback?: PluginRunner;
  /** Where host-local reads ipam.resolvConf (default: the disk). */
  files?: Files;
}

export interface Builtins {
  /** skiff's types in-process, every other type through deps.fallback. */
  runner: InProcessRunner;
  /** skiff's plugins by type, for callers that run the skel themselves (the CNI daemon, which
   *  keeps their stderr); their delegations go through `runner`. */
  plugins: ReadonlyMap<string, Plugin>;
}

/**
 * The in-process fast path: skiff's own plugin types answer from this process through the
 * same skel as their executables (so the same JSON in gives the same JSON out), and their
 * own delegations (bridge -> IPAM) stay in-process too. Unknown types are exec'd.
 * Building one is cheap and touches nothing: the CNI daemon builds one per call.
 */
export function builtins(deps: BuiltinDeps): Builtins {
  const plugins = new Map<string, Plugin>();
  const runner = new InProcessRunner(plugins, deps.fallback ?? new ExecRunner());
  const files = deps.files ?? realFiles;
  plugins.set('skiff-loopback', loopbackPlugin({ netlink: deps.netlink }));
  plugins.set('skiff-host-local', hostLocalPlugin({ openStore: (dir) => new DiskStore(dir), readFile: (path) => files.readText(path) }));
  const hostNetns = deps.hostNetns ? { hostNetns: deps.hostNetns } : {};
  plugins.set('skiff-bridge', bridgePlugin({ netlink: deps.netlink, sysctl: deps.sysctl, runner, masq: nftMasquerade(deps.nft, deps.hostNetns), spoof: nftSpoofCheck(deps.nft, deps.hostNetns), ...hostNetns }));
  plugins.set('skiff-portmap', portmapPlugin({ nft: deps.nft, conntrack: deps.conntrack, netlink: deps.netlink, sysctl: deps.sysctl, ...hostNetns }));
  return { runner, plugins };
}

/** builtins(deps).runner: what an invoker needs. */
export function builtinRunner(deps: BuiltinDeps): InProcessRunner {
  return builtins(deps).runner;
}
