// Service CIDR arithmetic: which addresses a CIDR hands out and how an address maps to a
// bit of the allocation bitmap. As upstream's bitmap IP allocator: IPv4 leaves out the
// network and broadcast addresses, IPv6 the subnet-router anycast address, and an IPv6
// range is capped at 65536 addresses (its bitmap would not fit in one object).
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IPFamily = 'IPv4' | 'IPv6';

export interface CidrRange {
  /** Canonical CIDR text, e.g. '10.96.0.0/12'. */
  cidr: string;
  family: IPFamily;
  /** Number of allocatable addresses (bits of the bitmap). */
  size: number;
  /** Offset of an address in the range; undefined when it is not an address of the range. */
  offsetOf(ip: string): number | undefined;
  /** The address at an offset (0 = the first usable address, e.g. 10.96.0.1). */
  ipAt(offset: number): string;
}

const MAX_BITS = 65536;

function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function fromBigInt(value: bigint, family: IPFamily): string {
  const bytes: number[] = [];
  for (let i = 0; i < (family === 'IPv4' ? 4 : 16); i++) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses an address strictly (no octal or short forms); undefined when it is not one. */
export function parseIP(ip: string): { family: IPFamily; value: bigint } | undefined {
  const v = isIP(ip);
  if (!v) return undefined;
  const addr = ipaddr.parse(ip);
  // An IPv4-mapped IPv6 address is the IPv4 address, as Go's net.ParseIP treats it.
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) return { family: 'IPv4', value: toBigInt((addr as ipaddr.IPv6).toIPv4Address()) };
  return { family: v === 4 ? 'IPv4' : 'IPv6', value: toBigInt(addr) };
}

/** Throws an Error when `cidr` is not a CIDR or leaves no usable address. */
export function parseCidr(cidr: string): CidrRange {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    throw new Error(`invalid service CIDR ${JSON.stringify(cidr)}`);
  }
  const [addr, prefix] = parsed;
  const family: IPFamily = addr.kind() === 'ipv4' ? 'IPv4' : 'IPv6';
  const width = family === 'IPv4' ? 32 : 128;
  const hostBits = BigInt(width - prefix);
  const network = (toBigInt(addr) >> hostBits) << hostBits;
  const total = 1n << hostBits;
  // IPv6: the cap applies before the anycast address is taken off, as upstream.
  const counted = family === 'IPv4' ? total - 1n : total > BigInt(MAX_BITS) ? BigInt(MAX_BITS) : total;
  const size = Number(counted > 1n ? counted - 1n : 0n);
  if (size === 0) throw new Error(`service CIDR ${cidr} has no usable address`);
  const base = network + 1n;
  return {
    cidr: `${fromBigInt(network, family)}/${prefix}`,
    family,
    size,
    offsetOf(ip) {
      const p = parseIP(ip);
      if (!p || p.family !== family) return undefined;
      const offset = p.value - base;
      return offset >= 0n && offset < BigInt(size) ? Number(offset) : undefined;
    },
    ipAt(offset) {
      return fromBigInt(base + BigInt(offset), family);
    },
  };
}
