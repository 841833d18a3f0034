import { isIP } from 'node:net';
import { canonicalIp } from '../../src/host/netlink/validate.js';
import { CniError, ErrorCode, type NetConf, type Result } from '../../src/cni/types.js';
import { convertResult, CURRENT_VERSION, parseResult } from '../../src/cni/version.js';

// The plugin's input, checked and normalized before anything touches the node: pure, so
// every refusal is unit-tested. Malformed input is error 7 naming the field.

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** One port mapping, normalized: protocol lower case, hostIP canonical ('' = every address). */
export interface Mapping {
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
  hostIP: string;
}

export interface PortmapConf {
  snat: boolean;
  /** Masquerade every source (not only hairpin and localhost) to the mapped ports. */
  masqAll: boolean;
  /** nft match expressions in front of the jumps into the mapping chain, per family. */
  conditionsV4: string;
  conditionsV6: string;
  mappings: Mapping[];
}

const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp'];
const bad = (field: string, why: string) => new CniError(ErrorCode.InvalidConfig, `invalid ${field}`, why);

export function parseConf(conf: NetConf): PortmapConf {
  const snat = optionalBool(conf.snat, 'snat') ?? true;
  const masqAll = optionalBool(conf.masqAll, 'masqAll') ?? false;
  if (conf.backend !== undefined && conf.backend !== 'nftables') {
    throw bad('backend', `"${String(conf.backend)}": skiff-portmap has only the nftables backend`);
  }
  // markMasqBit and externalSetMarkChain configure the iptables backend's mark-then-masquerade
  // chains. With nftables the masquerade rules match the connections themselves (as the
  // reference's nftables backend does), so they are checked as the reference checks them and
  // otherwise ignored.
  if (conf.markMasqBit !== undefined && conf.externalSetMarkChain !== undefined) {
    throw bad('markMasqBit', 'cannot specify both externalSetMarkChain and markMasqBit');
  }
  if (conf.markMasqBit !== undefined && (!Number.isInteger(conf.markMasqBit) || (conf.markMasqBit as number) < 0 || (conf.markMasqBit as number) > 31)) {
    throw bad('markMasqBit', `${JSON.stringify(conf.markMasqBit)} must be an integer between 0 and 31`);
  }
  return {
    snat, masqAll,
    conditionsV4: conditions(conf.conditionsV4, 'conditionsV4'),
    conditionsV6: conditions(conf.conditionsV6, 'conditionsV6'),
    mappings: parseMappings(conf.runtimeConfig?.portMappings),
  };
}

function optionalBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(field, `${JSON.stringify(v)} is not a boolean`);
  return v;
}

/** nft syntax ('ip daddr != 192.0.2.0/24'), as the reference's nftables backend takes them. */
function conditions(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (!Array.isArray(v) || v.some((c) => typeof c !== 'string')) throw bad(field, 'must be a list of strings');
  const text = (v as string[]).join(' ').trim();
  if (/[\n\r;#]/.test(text)) throw bad(field, `"${text}" must not contain ';', '#' or newlines`);
  if ((v as string[]).some((c) => /^-/.test(c.trim()))) throw bad(field, `"${text}" looks like iptables syntax; skiff-portmap takes nft match expressions`);
  return text;
}

function port(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) throw bad(field, `${JSON.stringify(v)} is not a port number (1-65535)`);
  return v;
}

export function parseMappings(raw: unknown): Mapping[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw bad('runtimeConfig.portMappings', 'must be a list');
  const out: Mapping[] = [];
  const origin: number[] = [];
  raw.forEach((m: Record<string, unknown>, i) => {
    const at = `runtimeConfig.portMappings[${i}]`;
    if (!m || typeof m !== 'object') throw bad(at, 'must be an object');
    const protocol = (m.protocol === undefined || m.protocol === '' ? 'tcp' : String(m.protocol).toLowerCase()) as Protocol;
    if (typeof m.protocol !== 'string' && m.protocol !== undefined) throw bad(`${at}.protocol`, `${JSON.stringify(m.protocol)} is not a string`);
    if (!PROTOCOLS.includes(protocol)) throw bad(`${at}.protocol`, `"${String(m.protocol)}" is not one of tcp, udp, sctp`);
    let hostIP = '';
    if (m.hostIP !== undefined && m.hostIP !== '') {
      const family = typeof m.hostIP === 'string' ? isIP(m.hostIP) : 0;
      if (!family) throw bad(`${at}.hostIP`, `${JSON.stringify(m.hostIP)} is not an IP address`);
      hostIP = canonicalIp(m.hostIP as string, family as 4 | 6);
    }
    const mapping: Mapping = { hostPort: port(m.hostPort, `${at}.hostPort`), containerPort: port(m.containerPort, `${at}.containerPort`), protocol, hostIP };
    const same = out.findIndex((o) => o.protocol === mapping.protocol && o.hostPort === mapping.hostPort && o.hostIP === mapping.hostIP);
    if (same >= 0) {
      if (out[same]!.containerPort === mapping.containerPort) return; // an exact repeat
      throw bad(`${at}.hostPort`, `${mapping.protocol}/${mapping.hostPort}${hostIP ? ` on ${hostIP}` : ''} is already mapped by runtimeConfig.portMappings[${origin[same]}]`);
    }
    out.push(mapping);
    origin.push(i);
  });
  return out;
}

/**
 * The previous result in the current version (its cniVersion defaulting to the config's,
 * as libcni's ParsePrevResult does), or undefined when there is none.
 */
export function prevResult(conf: NetConf): Result | undefined {
  if (conf.prevResult === undefined || conf.prevResult === null) return undefined;
  const raw = conf.prevResult as Record<string, unknown>;
  const withVersion = raw && typeof raw === 'object' && raw.cniVersion === undefined ? { ...raw, cniVersion: conf.cniVersion } : raw;
  try {
    return convertResult(parseResult(withVersion, 'prevResult'), CURRENT_VERSION);
  } catch (err) {
    if (err instanceof CniError) throw new CniError(ErrorCode.InvalidConfig, 'could not parse prevResult', err.details || err.msg);
    throw err;
  }
}

/**
 * The container's addresses, at most one per family, as the reference picks them: the first
 * address of each family whose interface (when it names one) is `ifname` inside a sandbox.
 */
export function containerIps(result: Result, ifname: string): { v4?: string; v6?: string } {
  const out: { v4?: string; v6?: string } = {};
  for (const ip of result.ips ?? []) {
    const i = ip.interface;
    if (i !== undefined && i >= 0 && i < (result.interfaces?.length ?? 0)) {
      const itf = result.interfaces![i]!;
      if (itf.name !== ifname || !itf.sandbox) continue;
    }
    const address = ip.address.split('/')[0] ?? '';
    const family = isIP(address);
    if (family === 4 && !out.v4) out.v4 = address;
    if (family === 6 && !out.v6) out.v6 = canonicalIp(address, 6);
  }
  return out;
}
