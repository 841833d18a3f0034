import { ipText } from '../../src/host/netlink/validate.js';

// Addresses as (family, BigInt): v6 ranges need 128-bit arithmetic, and one representation
// for both families keeps the range walk free of per-family branches.

export interface Addr {
  family: 4 | 6;
  value: bigint;
}

export const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

/**
 * Parses an address as the reference does (Go's net.ParseIP + To4): an IPv4-mapped v6
 * address is the v4 address, so "::ffff:10.1.2.3" and "10.1.2.3" name the same file.
 * Hand-written rather than net.isIP: compiling its IPv6 regex costs ~8 ms of every exec.
 */
export function parseAddr(text: unknown): Addr | undefined {
  if (typeof text !== 'string') return undefined;
  if (!text.includes(':')) {
    const value = parseV4(text);
    return value === undefined ? undefined : { family: 4, value };
  }
  const value = parseV6(text);
  if (value === undefined) return undefined;
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/** Dotted quad; leading zeros are refused, as Go does (they once meant octal). */
function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

/** RFC 4291 text: eight groups, one '::' for one or more zero groups, an optional dotted tail. */
function parseV6(text: string): bigint | undefined {
  let head = text;
  const tail: number[] = [];
  if (text.includes('.')) {
    const colon = text.lastIndexOf(':');
    const v4 = parseV4(text.slice(colon + 1));
    if (v4 === undefined) return undefined;
    tail.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    head = text.slice(0, text.endsWith('::', colon + 1) ? colon + 1 : colon);
  }
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const gap = head.indexOf('::');
  let words: string[];
  if (gap < 0) {
    words = groups(head);
    if (words.length + tail.length !== 8) return undefined;
  } else {
    if (head.includes('::', gap + 1)) return undefined;
    const [left, right] = [groups(head.slice(0, gap)), groups(head.slice(gap + 2))];
    const zeros = 8 - tail.length - left.length - right.length;
    if (zeros < 1) return undefined;
    words = [...left, ...Array<string>(zeros).fill('0'), ...right];
  }
  let value = 0n;
  for (const w of words) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
    value = (value << 16n) | BigInt(parseInt(w, 16));
  }
  for (const w of tail) value = (value << 16n) | BigInt(w);
  return value;
}

/** Canonical text (RFC 5952 for v6), the same as Go's net.IP.String(): it names the files. */
export function formatAddr({ family, value }: Addr): string {
  const bytes: number[] = [];
  for (let i = bitsOf(family) / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipText(bytes, family);
}

/** A map key: families never collide (10.0.0.1 vs ::a00:1). */
export const addrKey = (a: Addr): string => `${a.family}/${a.value.toString(16)}`;

export const sameAddr = (a: Addr, b: Addr): boolean => a.family === b.family && a.value === b.value;

export interface Cidr {
  /** The address as written (routes keep host bits, as the reference prints them). */
  addr: Addr;
  prefix: number;
}

export function parseCidrText(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1))) return undefined;
  const ip = text.slice(0, slash);
  const family = ip.includes(':') ? 6 : 4;
  const addr = parseAddr(ip);
  const prefix = Number(text.slice(slash + 1));
  // A v4-mapped CIDR would mix a v4 address with a 128-bit prefix: refuse rather than guess.
  if (!addr || addr.family !== family || prefix > bitsOf(family)) return undefined;
  return { addr, prefix };
}

export const formatCidr = ({ addr, prefix }: Cidr): string => `${formatAddr(addr)}/${prefix}`;

/** Host bits of a prefix in this family: 0xff for a v4 /24. */
export const hostMask = (family: 4 | 6, prefix: number): bigint => (1n << BigInt(bitsOf(family) - prefix)) - 1n;
