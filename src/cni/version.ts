import { CniError, ErrorCode, type Interface, type Result, type Route } from './types.js';

/** Spec versions skiff speaks, oldest first. 0.1.0/0.2.0 results (ip4/ip6) are not supported. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const CURRENT_VERSION = '1.1.0';

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function isVersion(v: unknown): v is string {
  return typeof v === 'string' && /^\d+\.\d+\.\d+$/.test(v);
}

/**
 * The version to use for a config: with `cniVersions` (1.1.0), the highest one both sides
 * support; otherwise `cniVersion`, which must be supported. Code 1 when there is none.
 */
export function negotiate(cniVersion: unknown, cniVersions: unknown, supported: readonly string[] = SUPPORTED_VERSIONS): string {
  if (Array.isArray(cniVersions) && cniVersions.length > 0) {
    const common = cniVersions.filter((v): v is string => isVersion(v) && supported.includes(v)).sort(compareVersions);
    const best = common[common.length - 1];
    if (best) return best;
    throw new CniError(ErrorCode.IncompatibleVersion, 'incompatible CNI versions', `config cniVersions ${JSON.stringify(cniVersions)}, plugin supports ${JSON.stringify(supported)}`);
  }
  if (!isVersion(cniVersion)) throw new CniError(ErrorCode.DecodingFailure, 'invalid cniVersion', `"${String(cniVersion)}" is not a version`);
  if (!supported.includes(cniVersion)) {
    throw new CniError(ErrorCode.IncompatibleVersion, 'incompatible CNI versions', `config is "${cniVersion}", plugin supports ${JSON.stringify(supported)}`);
  }
  return cniVersion;
}

const V11_INTERFACE: readonly (keyof Interface)[] = ['mtu', 'socketPath', 'pciID'];
const V11_ROUTE: readonly (keyof Route)[] = ['mtu', 'advmss', 'priority', 'table', 'scope'];

function omit<T extends object>(o: T, keys: readonly (keyof T)[]): T {
  const copy = { ...o };
  for (const k of keys) delete copy[k];
  return copy;
}

/**
 * Converts a result between the supported versions: 0.3.x/0.4.0 carry `version` in each
 * ip, 1.0.0 drops it, 1.1.0 adds interface and route fields that older readers lack.
 */
export function convertResult(result: Result, to: string): Result {
  const from = result.cniVersion;
  if (!isVersion(from) || !SUPPORTED_VERSIONS.includes(from as never)) {
    throw new CniError(ErrorCode.IncompatibleVersion, 'unsupported result version', `cannot read a "${String(from)}" result`);
  }
  if (!SUPPORTED_VERSIONS.includes(to as never)) throw new CniError(ErrorCode.IncompatibleVersion, 'unsupported result version', `cannot write a "${to}" result`);
  const legacy = compareVersions(to, '1.0.0') < 0;
  const modern11 = compareVersions(to, '1.1.0') >= 0;
  const out: Result = { cniVersion: to };
  if (result.interfaces) out.interfaces = result.interfaces.map((i) => (modern11 ? { ...i } : omit(i, V11_INTERFACE)));
  if (result.ips) {
    out.ips = result.ips.map(({ version: _drop, ...ip }) => (legacy ? { version: ip.address.includes(':') ? '6' : '4', ...ip } : ip));
  }
  if (result.routes) out.routes = result.routes.map((r) => (modern11 ? { ...r } : omit(r, V11_ROUTE)));
  if (result.dns) out.dns = { ...result.dns };
  return out;
}

/** Checks that a value read from a plugin or cache is a result. Code 6 when it is not. */
export function parseResult(value: unknown, what = 'result'): Result {
  const r = value as Result;
  const bad = (why: string) => new CniError(ErrorCode.DecodingFailure, `invalid ${what}`, why);
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw bad('not a JSON object');
  if (!isVersion(r.cniVersion)) throw bad('cniVersion missing or malformed');
  if (r.interfaces !== undefined && !Array.isArray(r.interfaces)) throw bad('interfaces is not a list');
  if (r.ips !== undefined && (!Array.isArray(r.ips) || r.ips.some((ip) => typeof ip?.address !== 'string' || !ip.address.includes('/')))) throw bad('ips must be a list of {address: CIDR}');
  if (r.routes !== undefined && (!Array.isArray(r.routes) || r.routes.some((x) => typeof x?.dst !== 'string'))) throw bad('routes must be a list of {dst}');
  return r;
}
