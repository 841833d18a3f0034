import { rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { cniEnv, ExecRunner, type PluginRunner } from '../../src/cni/exec.js';
import type { Command, NetConf, Result } from '../../src/cni/types.js';
import { realHost } from '../../src/host/index.js';
import { uniq } from './names.js';

export const OURS = new URL('../../dist/cni', import.meta.url).pathname;
export const REFERENCE = '/usr/lib/cni';
export const host = realHost();

/** A fresh network namespace pinned under /run/netns, removed when the test ends. */
export async function netns(t: ExecutionContext, tag = ''): Promise<string> {
  const path = `/run/netns/${uniq(tag)}`;
  await host.netns.create({ net: path });
  t.teardown(() => host.netns.remove(path));
  return path;
}

export async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cni-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs exec'd plugins as if `node` were the host: the plugin process lives in that netns. */
export function runnerIn(node: string): PluginRunner {
  return new ExecRunner(['nsenter', `--net=${node}`]);
}

export interface Call {
  command: Command;
  conf: NetConf;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: Record<string, string>;
}

export interface Outcome {
  exitCode: number;
  stdout: string;
  json?: Record<string, unknown>;
}

/** One plugin invocation with the given CNI_PATH dirs. */
export async function invoke(runner: PluginRunner, paths: string[], c: Call): Promise<Outcome> {
  const env = cniEnv(c.command, { containerId: c.containerId, netns: c.netns, ifname: c.ifname ?? 'eth0', args: c.args, path: paths });
  const out = await runner.run(c.conf.type, env, JSON.stringify(c.conf), paths);
  let json: Record<string, unknown> | undefined;
  try {
    json = out.stdout ? (JSON.parse(out.stdout) as Record<string, unknown>) : undefined;
  } catch {}
  return { ...out, ...(json ? { json } : {}) };
}

/** Replaces what differs between runs (MACs, random veth names, netns paths) and drops an empty dns. */
export function normalize(result: Result | Record<string, unknown> | undefined): unknown {
  const text = JSON.stringify(result ?? {})
    .replace(/"([0-9a-f]{2}:){5}[0-9a-f]{2}"/g, '"MAC"')
    .replace(/"veth[0-9a-f]{8}"/g, '"VETH"')
    .replace(/"\/run\/netns\/[^"]+"/g, '"NETNS"');
  const r = JSON.parse(text) as Record<string, unknown>;
  if (r.dns && Object.keys(r.dns).length === 0) delete r.dns;
  if (Array.isArray(r.routes) && r.routes.length === 0) delete r.routes;
  return r;
}

/**
 * The kernel state a bridge ADD produces, in a comparable form (no indexes, MACs or random names):
 * the bridge (with VLAN filtering), its ports (with their VLANs, and which leads to the pod or to
 * another link of the node such as a VLAN gateway "<bridge>.<vlan>"), the node's other links
 * with their addresses, and the pod's side.
 */
export async function bridgeState(node: string, pod: string, bridge: string, ifname = 'eth0'): Promise<unknown> {
  const [nodeLinks, podLinks, nodeAddrs, podAddrs, podRoutes, vlans] = await Promise.all([
    host.netlink.links(node), host.netlink.links(pod), host.netlink.addrs(node), host.netlink.addrs(pod), host.netlink.routes(pod), host.netlink.bridgeVlans(node),
  ]);
  const br = nodeLinks.find((l) => l.name === bridge);
  const ports = nodeLinks.filter((l) => l.master === bridge);
  const eth = podLinks.find((l) => l.name === ifname);
  const vlansOf = (dev: string) => vlans.filter((v) => v.dev === dev).map((v) => `${v.vid}${v.pvid ? ' pvid' : ''}${v.untagged ? ' untagged' : ''}`);
  const addrsOf = (dev: string) => nodeAddrs.filter((a) => a.dev === dev && a.scope === 'universe').map((a) => a.cidr).sort();
  const nodePeer = (p: { parent: number; index: number }) => nodeLinks.find((l) => l.index === p.parent && l.parent === p.index)?.name;
  const others = nodeLinks.filter((l) => l.name !== 'lo' && l.name !== bridge && l.master !== bridge);
  return {
    bridge: br && { kind: br.kind, mtu: br.mtu, up: br.up, promisc: br.promisc, vlanFiltering: br.vlanFiltering, vlans: vlansOf(bridge) },
    bridgeAddrs: addrsOf(bridge),
    ports: ports.map((p) => ({
      kind: p.kind, mtu: p.mtu, up: p.up, hairpin: p.hairpin, peerIsPod: p.parent === eth?.index && !nodePeer(p), peer: nodePeer(p) ?? '', vlans: vlansOf(p.name),
    })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    nodeLinks: others.map((l) => ({ name: l.name, kind: l.kind, mtu: l.mtu, up: l.up, addrs: addrsOf(l.name) })).sort((a, b) => a.name.localeCompare(b.name)),
    pod: eth && { kind: eth.kind, mtu: eth.mtu, up: eth.up },
    podAddrs: podAddrs.filter((a) => a.dev === ifname && a.scope === 'universe').map((a) => a.cidr).sort(),
    podRoutes: podRoutes.map((r) => `${r.dst} ${r.via || '-'} ${r.dev} ${r.scope}`).sort(),
    forwarding: await host.sysctl.get('net.ipv4.ip_forward', node),
  };
}

/** Whether the kernel has bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING): tried in a throwaway netns. */
export async function kernelHasBridgeVlans(): Promise<boolean> {
  const path = `/run/netns/${uniq('vl')}`;
  await host.netns.create({ net: path });
  try {
    await host.netlink.apply([{ op: 'link.add', name: 'probe0', kind: 'bridge', vlanFiltering: true }], path);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'EOPNOTSUPP') return false;
    throw err;
  } finally {
    await host.netns.remove(path);
  }
}
