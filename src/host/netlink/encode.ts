import type { NativeOp } from '../../../native/binding.js';
import { invalid } from '../errors.js';
import type { NetOp, Scope } from './types.js';
import {
  canonicalIp, checkIp, checkLinkName, checkMac, checkMtu, checkNetnsPath, checkUint, checkVid, networkOf, parseCidr, sysctlPath,
} from './validate.js';

export const SCOPES: Readonly<Record<Scope, number>> = { universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
export const MAIN_TABLE = 254;

export function scopeName(n: number): Scope {
  return (Object.keys(SCOPES) as Scope[]).find((k) => SCOPES[k] === n) ?? 'universe';
}

/** A route destination: 'default' (v4), 'default6', or a network CIDR with host bits clear. */
export function parseRouteDst(dst: unknown, what: string): { family: 4 | 6; dst: string; dstLen: number } {
  if (dst === 'default') return { family: 4, dst: '', dstLen: 0 };
  if (dst === 'default6') return { family: 6, dst: '', dstLen: 0 };
  const cidr = parseCidr(dst, what);
  const net = networkOf(cidr);
  if (net !== canonicalIp(cidr.address, cidr.family)) {
    throw invalid(`${what}: "${String(dst)}" has host bits set (network is ${net}/${cidr.prefixLen})`);
  }
  return { family: cidr.family, dst: cidr.prefixLen === 0 ? '' : cidr.address, dstLen: cidr.prefixLen };
}

/** A short human name for an op, used in error messages. */
export function describe(op: NetOp): string {
  switch (op.op) {
    case 'link.add': case 'link.del': case 'link.set': return `${op.op} "${op.name}"`;
    case 'addr.add': case 'addr.del': return `${op.op} ${op.cidr} dev "${op.dev}"`;
    case 'route.add': case 'route.replace': case 'route.del': return `${op.op} ${op.dst}${op.via ? ` via ${op.via}` : ''}${op.dev ? ` dev "${op.dev}"` : ''}`;
    case 'sysctl.set': return `sysctl ${op.key}=${op.value}`;
    case 'bridge.vlan.add': case 'bridge.vlan.del': return `${op.op} ${String(op.vid)} dev "${op.dev}"`;
  }
}

/** Validates one op and turns it into the addon's form. Throws HostError EINVAL naming the object. */
export function encode(op: NetOp): NativeOp {
  if (!op || typeof op !== 'object') throw invalid('op must be an object');
  switch (op.op) {
    case 'link.add': return encodeLinkAdd(op);
    case 'link.del': return { op: 'linkDel', name: checkLinkName(op.name) };
    case 'link.set': return encodeLinkSet(op);
    case 'addr.add': case 'addr.del': {
      const what = describe(op);
      const { family, address, prefixLen } = parseCidr(op.cidr, what);
      return {
        op: op.op === 'addr.add' ? 'addrAdd' : 'addrDel', dev: checkLinkName(op.dev, 'device'), address, prefixLen,
        scope: SCOPES[op.scope ?? 'universe'] ?? badScope(op.scope, what), ...(family === 6 && op.noDad ? { noDad: true } : {}),
      };
    }
    case 'route.add': case 'route.replace': case 'route.del': return encodeRoute(op);
    case 'sysctl.set': {
      if (typeof op.value !== 'string') throw invalid(`sysctl ${String(op.key)}: value must be a string`);
      return { op: 'sysctlSet', path: sysctlPath(op.key), value: op.value };
    }
    case 'bridge.vlan.add': case 'bridge.vlan.del': {
      const what = describe(op);
      const dev = checkLinkName(op.dev, 'device');
      const vid = checkVid(op.vid, what);
      if (op.op === 'bridge.vlan.del') {
        if (op.pvid !== undefined || op.untagged !== undefined) throw invalid(`${what}: pvid and untagged are settings of bridge.vlan.add`);
        return { op: 'bridgeVlanDel', dev, vid };
      }
      return { op: 'bridgeVlanAdd', dev, vid, ...(op.pvid ? { pvid: true } : {}), ...(op.untagged ? { untagged: true } : {}) };
    }
    default: throw invalid(`unknown op "${String((op as { op: unknown }).op)}"`);
  }
}

function badScope(scope: unknown, what: string): never {
  throw invalid(`${what}: unknown scope "${String(scope)}"`);
}

function encodeLinkAdd(op: Extract<NetOp, { op: 'link.add' }>): NativeOp {
  const name = checkLinkName(op.name);
  const what = `link.add "${name}"`;
  const out: NativeOp = { op: 'linkAdd', name, kind: op.kind };
  if (op.mtu !== undefined) out.mtu = checkMtu(op.mtu, what);
  if (op.mac !== undefined) out.mac = checkMac(op.mac, what);
  if (op.kind === 'veth') {
    if (!op.peer) throw invalid(`${what}: a veth needs a peer`);
    out.peerName = checkLinkName(op.peer.name, 'peer');
    if (op.peer.netns !== undefined) out.peerNetns = checkNetnsPath(op.peer.netns, what);
    if (op.peer.mac !== undefined) out.peerMac = checkMac(op.peer.mac, what);
  } else if (op.peer) {
    throw invalid(`${what}: only a veth has a peer`);
  }
  if (op.kind === 'vxlan') {
    const v = op.vxlan;
    if (!v) throw invalid(`${what}: a vxlan needs vxlan.id`);
    out.vxlanId = checkUint(v.id, 0xffffff, `${what} vxlan.id`);
    if (v.local !== undefined) out.vxlanLocal = checkIp(v.local, `${what} vxlan.local`).address;
    if (v.group !== undefined) out.vxlanGroup = checkIp(v.group, `${what} vxlan.group`).address;
    if (v.port !== undefined) out.vxlanPort = checkUint(v.port, 65535, `${what} vxlan.port`);
    if (v.dev !== undefined) out.vxlanDev = checkLinkName(v.dev, 'vxlan.dev');
    if (v.learning !== undefined) out.vxlanLearning = Boolean(v.learning);
  } else if (op.vxlan) {
    throw invalid(`${what}: vxlan settings on a ${op.kind}`);
  }
  if (op.vlanFiltering !== undefined) {
    if (op.kind !== 'bridge') throw invalid(`${what}: vlanFiltering is a bridge setting, not a ${op.kind}'s`);
    out.vlanFiltering = Boolean(op.vlanFiltering);
  }
  if (!['veth', 'bridge', 'vxlan'].includes(op.kind)) throw invalid(`${what}: unsupported kind "${String(op.kind)}"`);
  return out;
}

function encodeLinkSet(op: Extract<NetOp, { op: 'link.set' }>): NativeOp {
  const name = checkLinkName(op.name);
  const what = `link.set "${name}"`;
  const out: NativeOp = { op: 'linkSet', name };
  if (op.up !== undefined) out.up = Boolean(op.up);
  if (op.mtu !== undefined) out.mtu = checkMtu(op.mtu, what);
  if (op.mac !== undefined) out.mac = checkMac(op.mac, what);
  if (op.master !== undefined) out.master = op.master === null ? '' : checkLinkName(op.master, 'master');
  if (op.netns !== undefined) out.netns = checkNetnsPath(op.netns, what);
  if (op.rename !== undefined) out.newName = checkLinkName(op.rename, 'new');
  if (op.promisc !== undefined) out.promisc = Boolean(op.promisc);
  if (op.hairpin !== undefined) out.hairpin = Boolean(op.hairpin);
  if (op.vlanFiltering !== undefined) out.vlanFiltering = Boolean(op.vlanFiltering);
  return out;
}

function encodeRoute(op: Extract<NetOp, { op: 'route.add' | 'route.replace' | 'route.del' }>): NativeOp {
  const what = describe(op);
  const { family, dst, dstLen } = parseRouteDst(op.dst, what);
  const out: NativeOp = { op: op.op === 'route.add' ? 'routeAdd' : op.op === 'route.del' ? 'routeDel' : 'routeReplace', family, dst, dstLen };
  if (op.via !== undefined) {
    const gw = checkIp(op.via, `${what} via`);
    if (gw.family !== family) throw invalid(`${what}: gateway ${op.via} is not IPv${family}`);
    out.gateway = gw.address;
  }
  if (op.dev !== undefined) out.dev = checkLinkName(op.dev, 'device');
  if (op.via === undefined && op.dev === undefined && op.op !== 'route.del') throw invalid(`${what}: needs a gateway (via) or a device`);
  const scope = op.scope ?? (op.op === 'route.del' ? undefined : op.via === undefined ? 'link' : 'universe');
  if (scope !== undefined) out.scope = SCOPES[scope] ?? badScope(scope, what);
  if (op.table !== undefined) out.table = checkUint(op.table, 0xffffffff, `${what} table`);
  if (op.metric !== undefined) out.metric = checkUint(op.metric, 0xffffffff, `${what} metric`);
  if (op.src !== undefined) {
    const src = checkIp(op.src, `${what} src`);
    if (src.family !== family) throw invalid(`${what}: src ${op.src} is not IPv${family}`);
    out.src = src.address;
  }
  return out;
}
