import { CniError, ErrorCode, type NetConf, type Route } from '../../src/cni/types.js';
import { overlaps, rangeText, type Range, type RangeSet } from './allocator.js';
import { addrKey, bitsOf, formatAddr, formatCidr, hostMask, parseAddr, parseCidrText, type Addr } from './ip.js';
import { ownValue } from '../../src/own-keys.js';

// The ipam section, checked and defaulted before anything touches the disk. Defaults and
// checks follow the reference host-local, except where it would hand out an address that
// cannot work (a gateway outside the subnet, a range starting at the network address or
// ending at the broadcast address): those are refused here. A config refusal is code 7 and
// names the offending field, so a broken config is fixed without reading plugin source;
// bad CNI_ARGS come from the runtime's environment, and are code 4.

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

export interface HostLocalConfig {
  /** The network name: the store is <dataDir>/<name>. */
  name: string;
  dataDir: string;
  resolvConf?: string;
  routes: Route[];
  rangeSets: RangeSet[];
  /** Addresses asked for through CNI_ARGS IP, args.cni.ips or the ips capability. */
  requested: Addr[];
}

type Obj = Record<string, unknown>;

const bad = (field: string, why: string) => new CniError(ErrorCode.InvalidConfig, `invalid ${field}`, why);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Go decodes "" and null into a nil net.IP: both mean "use the default". */
const isUnset = (v: unknown) => v === undefined || v === null || v === '';

/** Only where the store lives: DEL and GC need no more, so a config edited since ADD cannot wedge teardown. */
export function storeLocation(conf: NetConf): { name: string; dataDir: string } {
  const ipam = isObj(conf.ipam) ? conf.ipam : {};
  return { name: networkName(conf.name), dataDir: dataDirOf(ipam) };
}

export function parseConfig(conf: NetConf, cniArgs: Readonly<Record<string, string>> = {}): HostLocalConfig {
  const name = networkName(conf.name);
  if (!isObj(conf.ipam)) throw bad('ipam', "IPAM config missing 'ipam' key");
  const ipam = conf.ipam;
  const resolvConf = optionalString(ipam.resolvConf, 'ipam.resolvConf');
  return {
    name,
    dataDir: dataDirOf(ipam),
    ...(resolvConf ? { resolvConf } : {}),
    routes: parseRoutes(ipam.routes),
    rangeSets: parseRangeSets(conf, ipam),
    requested: requestedAddrs(conf, cniArgs),
  };
}

function networkName(name: unknown): string {
  // The name becomes a directory under dataDir: the spec's charset keeps it a single component.
  if (typeof name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw bad('name', `${JSON.stringify(name)} must start with a letter or digit, then letters, digits, '_', '.' or '-'`);
  }
  return name;
}

function dataDirOf(ipam: Obj): string {
  return optionalString(ipam.dataDir, 'ipam.dataDir') || DEFAULT_DATA_DIR;
}

function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(field, 'must be a string');
  return v;
}

function parseRoutes(raw: unknown): Route[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw bad('ipam.routes', 'must be a list of {dst, gw}');
  return raw.map((r, i) => {
    const field = `ipam.routes[${i}]`;
    if (!isObj(r)) throw bad(field, 'must be an object {dst, gw}');
    const dst = parseCidrText(r.dst);
    if (!dst) throw bad(`${field}.dst`, `${JSON.stringify(r.dst)} is not a CIDR`);
    const route: Route = { dst: formatCidr(dst) };
    if (!isUnset(r.gw)) {
      const gw = parseAddr(r.gw);
      if (!gw) throw bad(`${field}.gw`, `${JSON.stringify(r.gw)} is not an IP address`);
      route.gw = formatAddr(gw);
    }
    // 1.1.0 route attributes pass through; the skel drops them for older versions.
    for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) {
      if (r[k] === undefined || r[k] === null) continue;
      if (!Number.isInteger(r[k]) || (r[k] as number) < 0) throw bad(`${field}.${k}`, 'must be a non-negative integer');
      route[k] = r[k] as number;
    }
    return route;
  });
}

interface Source {
  path: string;
  raw: unknown;
}

/** The reference's order: ipRanges capability, then the legacy top-level range, then ranges. */
function parseRangeSets(conf: NetConf, ipam: Obj): RangeSet[] {
  const sources: Source[] = [];
  const capability = conf.runtimeConfig?.ipRanges;
  if (!isUnset(capability)) {
    if (!Array.isArray(capability)) throw bad('runtimeConfig.ipRanges', 'must be a list of range sets');
    capability.forEach((raw, i) => sources.push({ path: `runtimeConfig.ipRanges[${i}]`, raw }));
  }
  if (!isUnset(ipam.subnet)) sources.push({ path: 'ipam', raw: [ipam] });
  if (!isUnset(ipam.ranges)) {
    if (!Array.isArray(ipam.ranges)) throw bad('ipam.ranges', 'must be a list of range sets (lists of {subnet, rangeStart, rangeEnd, gateway})');
    ipam.ranges.forEach((raw, i) => sources.push({ path: `ipam.ranges[${i}]`, raw }));
  }
  if (sources.length === 0) throw bad('ipam.ranges', 'no IP ranges specified');
  const sets = sources.map(parseRangeSet);
  for (let j = 1; j < sets.length; j++) {
    for (let i = 0; i < j; i++) {
      const hit = sets[j]!.find((b) => sets[i]!.some((a) => overlaps(a, b)));
      if (hit) throw bad(sources[j]!.path, `range ${rangeText(hit)} overlaps range set ${sources[i]!.path}`);
    }
  }
  return sets;
}

function parseRangeSet({ path, raw }: Source): RangeSet {
  if (!Array.isArray(raw)) throw bad(path, 'a range set must be a list of {subnet, rangeStart, rangeEnd, gateway}');
  if (raw.length === 0) throw bad(path, 'empty range set');
  // The legacy form is the ipam object itself: its fields are ipam.subnet, not ipam[0].subnet.
  const fieldOf = (j: number) => (path === 'ipam' ? 'ipam' : `${path}[${j}]`);
  const set = raw.map((r, j) => parseRange(r, fieldOf(j)));
  set.forEach((r, j) => {
    if (r.family !== set[0]!.family) throw bad(`${fieldOf(j)}.subnet`, 'mixed address families in one range set');
    const k = set.findIndex((other, i) => i < j && overlaps(other, r));
    if (k >= 0) throw bad(fieldOf(j), `range ${rangeText(r)} overlaps ${rangeText(set[k]!)} (${fieldOf(k)})`);
  });
  return set;
}

function parseRange(raw: unknown, field: string): Range {
  if (!isObj(raw)) throw bad(field, 'must be an object {subnet, rangeStart, rangeEnd, gateway}');
  if (isUnset(raw.subnet)) throw bad(`${field}.subnet`, 'is required (a CIDR to allocate from)');
  const cidr = parseCidrText(raw.subnet);
  if (!cidr) throw bad(`${field}.subnet`, `${JSON.stringify(raw.subnet)} is not a CIDR`);
  const { family } = cidr.addr;
  const { prefix } = cidr;
  const subnetText = formatCidr(cidr);
  if (prefix > bitsOf(family) - 2) throw bad(`${field}.subnet`, `network ${subnetText} is too small to allocate from`);
  const host = hostMask(family, prefix);
  const network = cidr.addr.value & ~host;
  if (network !== cidr.addr.value) {
    throw bad(`${field}.subnet`, `${subnetText} has host bits set: the network address is ${formatAddr({ family, value: network })}/${prefix}`);
  }
  const last = network | host;
  const inSubnet = (key: 'gateway' | 'rangeStart' | 'rangeEnd'): bigint | undefined => {
    const v = raw[key];
    if (isUnset(v)) return undefined;
    const a = parseAddr(v);
    if (!a) throw bad(`${field}.${key}`, `${JSON.stringify(v)} is not an IP address`);
    if (a.family !== family || (a.value & ~host) !== network) throw bad(`${field}.${key}`, `${formatAddr(a)} is not in subnet ${subnetText}`);
    return a.value;
  };
  const endpoint = (key: 'rangeStart' | 'rangeEnd'): bigint | undefined => {
    const v = inSubnet(key);
    if (v === network) throw bad(`${field}.${key}`, `${formatAddr({ family, value: v })} is the network address of ${subnetText}`);
    if (v === last && family === 4) throw bad(`${field}.${key}`, `${formatAddr({ family, value: v })} is the broadcast address of ${subnetText}`);
    return v;
  };
  const gateway = inSubnet('gateway') ?? network + 1n;
  // The default start is .1 even though that is the default gateway: the walk skips gateways.
  const start = endpoint('rangeStart') ?? network + 1n;
  // v4 keeps the broadcast address out; v6 has none, so its last address is usable.
  const end = endpoint('rangeEnd') ?? (family === 4 ? last - 1n : last);
  if (start > end) {
    throw bad(`${field}.rangeEnd`, `${formatAddr({ family, value: end })} is before rangeStart ${formatAddr({ family, value: start })}`);
  }
  return { family, network, prefix, start, end, gateway };
}

/** Requested addresses, deduplicated, in order: CNI_ARGS IP, args.cni.ips, then the ips capability. */
function requestedAddrs(conf: NetConf, cniArgs: Readonly<Record<string, string>>): Addr[] {
  const out = new Map<string, Addr>();
  const add = (a: Addr) => out.set(addrKey(a), a);
  for (const a of envIps(cniArgs)) add(a);
  const cni = isObj(conf.args) && isObj(conf.args.cni) ? conf.args.cni : undefined;
  for (const a of configIps(cni?.ips, 'args.cni.ips')) add(a);
  for (const a of configIps(conf.runtimeConfig?.ips, 'runtimeConfig.ips')) add(a);
  return [...out.values()];
}

function must<T>(value: T | undefined, error: () => Error): T {
  if (value === undefined) throw error();
  return value;
}

/** "10.1.2.3" or "10.1.2.3/24" (the ips capability allows both; the prefix is the range's). */
const addrOrCidr = (v: unknown): Addr | undefined => parseAddr(v) ?? parseCidrText(v)?.addr;

function configIps(raw: unknown, field: string): Addr[] {
  if (isUnset(raw)) return [];
  if (!Array.isArray(raw)) throw bad(field, 'must be a list of IP addresses');
  return raw.map((v, i) => must(addrOrCidr(v), () => bad(`${field}[${i}]`, `${JSON.stringify(v)} is not an IP address`)));
}

/**
 * CNI_ARGS as the reference reads them: IP (here also a comma-separated list, one per
 * family) and IgnoreUnknown; any other key is an error unless IgnoreUnknown is true.
 */
function envIps(cniArgs: Readonly<Record<string, string>>): Addr[] {
  const envError = (msg: string, details: string) => new CniError(ErrorCode.InvalidEnvironment, msg, details);
  const ignore = cniArgs.IgnoreUnknown;
  const ignoreUnknown = ignore === undefined ? false : /^(1|true)$/i.test(ignore) ? true : /^(0|false)$/i.test(ignore) ? false : undefined;
  if (ignoreUnknown === undefined) throw envError('invalid CNI_ARGS IgnoreUnknown', `"${ignore}" is not a boolean (1, 0, true, false)`);
  const unknown = Object.keys(cniArgs).filter((k) => k !== 'IP' && k !== 'IgnoreUnknown');
  if (unknown.length && !ignoreUnknown) {
    throw envError('unknown CNI_ARGS', `${JSON.stringify(unknown.map((k) => `${k}=${ownValue(cniArgs, k)}`))}: host-local knows IP; set IgnoreUnknown=1 to pass others`);
  }
  if (cniArgs.IP === undefined) return [];
  const items = cniArgs.IP.split(',').map((s) => s.trim()).filter(Boolean);
  return items.map((s) => must(addrOrCidr(s), () => envError('invalid CNI_ARGS IP', `"${s}" is not an IP address`)));
}
