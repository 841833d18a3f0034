import { isIP } from 'node:net';
import { invalid } from '../errors.js';

// Pure checks, so malformed input is refused with a message naming the object before any
// syscall, identically by the real and the fake implementation.

/** The kernel's dev_valid_name: 1..15 bytes, not '.'/'..', no '/', ':' or whitespace. */
export function checkLinkName(name: unknown, what = 'link'): string {
  if (typeof name !== 'string' || name.length === 0) throw invalid(`${what} name must be a non-empty string`);
  if (Buffer.byteLength(name) > 15) throw invalid(`${what} name "${name}" is longer than 15 bytes (IFNAMSIZ)`);
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) throw invalid(`${what} name "${name}" contains '/', ':' or whitespace, or is '.'/'..'`);
  return name;
}

export function checkMac(mac: unknown, what: string): string {
  if (typeof mac !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw invalid(`${what}: "${String(mac)}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return mac.toLowerCase();
}

export function checkMtu(mtu: unknown, what: string): number {
  if (!Number.isInteger(mtu) || (mtu as number) < 68 || (mtu as number) > 65535) throw invalid(`${what}: mtu ${String(mtu)} is not an integer in 68..65535`);
  return mtu as number;
}

export function checkIp(ip: unknown, what: string): { family: 4 | 6; address: string } {
  const family = typeof ip === 'string' ? isIP(ip) : 0;
  if (family === 0) throw invalid(`${what}: "${String(ip)}" is not an IP address`);
  return { family: family as 4 | 6, address: ip as string };
}

export interface Cidr {
  family: 4 | 6;
  address: string;
  prefixLen: number;
}

export function parseCidr(cidr: unknown, what: string): Cidr {
  if (typeof cidr !== 'string') throw invalid(`${what}: CIDR must be a string`);
  const slash = cidr.indexOf('/');
  const prefix = slash < 0 ? '' : cidr.slice(slash + 1);
  if (slash < 0 || !/^\d{1,3}$/.test(prefix)) throw invalid(`${what}: "${cidr}" is not in address/prefix form`);
  const { family, address } = checkIp(cidr.slice(0, slash), what);
  const prefixLen = Number(prefix);
  if (prefixLen > (family === 4 ? 32 : 128)) throw invalid(`${what}: prefix length ${prefixLen} of "${cidr}" is too long for IPv${family}`);
  return { family, address, prefixLen };
}

/** The address with host bits cleared, in canonical text form. */
export function networkOf({ family, address, prefixLen }: Cidr): string {
  const bytes = ipBytes(address, family);
  for (let bit = prefixLen; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return ipText(bytes, family);
}

export function ipBytes(address: string, family: 4 | 6): number[] {
  if (family === 4) return address.split('.').map(Number);
  let text = address;
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const q = tail.split('.').map(Number);
    text = `${text.slice(0, -tail.length)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const split = (s: string) => (s ? s.split(':') : []);
  const [head, rest] = text.includes('::') ? text.split('::').map(split) as [string[], string[]] : [split(text), []];
  const words = text.includes('::') ? [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head;
  return words.flatMap((w) => [parseInt(w, 16) >> 8, parseInt(w, 16) & 0xff]);
}

export function ipText(bytes: readonly number[], family: 4 | 6): string {
  if (family === 4) return bytes.join('.');
  const words = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  // RFC 5952: compress the longest run (>= 2) of zero words.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  return best < 0 ? hex(words) : `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** Canonical text form of an IP address (as the kernel reports it back). */
export function canonicalIp(address: string, family: 4 | 6): string {
  return ipText(ipBytes(address, family), family);
}

/** 'net.ipv4.ip_forward' or 'net/ipv4/ip_forward' -> 'net/ipv4/ip_forward'. Dots in
 *  interface names need the slash form ('net/ipv4/conf/eth0.100/forwarding'). */
export function sysctlPath(key: unknown): string {
  if (typeof key !== 'string') throw invalid('sysctl key must be a string');
  const path = key.includes('/') ? key : key.replaceAll('.', '/');
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || !/^[\w.@:+-]+$/.test(p))) throw invalid(`sysctl key "${key}" is not a valid key`);
  return path;
}

export function checkNetnsPath(path: unknown, what: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw invalid(`${what}: namespace path "${String(path)}" must be absolute`);
  return path;
}

/** A VLAN id as a bridge takes it: 1..4094 (0 means untagged, 4095 is reserved). */
export function checkVid(vid: unknown, what: string): number {
  if (!Number.isInteger(vid) || (vid as number) < 1 || (vid as number) > 4094) throw invalid(`${what}: vid ${String(vid)} is not an integer in 1..4094`);
  return vid as number;
}

export function checkUint(value: unknown, max: number, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > max) throw invalid(`${what}: ${String(value)} is not an integer in 0..${max}`);
  return value as number;
}
