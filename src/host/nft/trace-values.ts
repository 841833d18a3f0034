import { canonicalIp, ipBytes } from '../netlink/validate.js';
import { TraceError } from './trace-rule.js';

// The values the packet tracer compares: addresses with ports as a test writes them, and the
// tokens of rules and set elements (an address, a prefix or a range; a number or a range).

export interface Endpoint {
  family: 4 | 6;
  addr: string;
  port?: number;
}

/** '10.0.0.1', '10.0.0.1:80', '[fd00::1]:80', 'fd00::1'; the port is required where asked. */
export function endpoint(raw: string, what: string, needPort: boolean): Endpoint {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw) ?? /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(raw) ?? /^([0-9a-fA-F:]+)()$/.exec(raw);
  const addr = m?.[1];
  const family = addr === undefined ? 0 : addr.includes(':') ? 6 : 4;
  if (!m || family === 0 || (needPort && !m[2])) throw new TraceError(`${what}: "${raw}" is not an address${needPort ? ':port' : ''}`);
  return { family, addr: canonicalIp(addr!, family), ...(m[2] ? { port: Number(m[2]) } : {}) };
}

export function text(e: Endpoint): string {
  if (e.port === undefined) return e.addr;
  return e.family === 6 ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

const toBig = (addr: string, family: 4 | 6) => ipBytes(addr, family).reduce((n, b) => (n << 8n) | BigInt(b), 0n);

export function addrFits(addr: string, family: 4 | 6, token: string): boolean {
  if (token.includes(':') !== (family === 6)) return false;
  const value = toBig(addr, family);
  const slash = token.indexOf('/');
  if (slash >= 0) {
    const bits = family === 4 ? 32 : 128;
    const shift = BigInt(bits - Number(token.slice(slash + 1)));
    return value >> shift === toBig(token.slice(0, slash), family) >> shift;
  }
  const dash = token.indexOf('-');
  if (dash >= 0) return value >= toBig(token.slice(0, dash), family) && value <= toBig(token.slice(dash + 1), family);
  return value === toBig(token, family);
}

export function numberFits(value: number, token: string): boolean {
  const dash = token.indexOf('-');
  if (dash > 0) return value >= Number(token.slice(0, dash)) && value <= Number(token.slice(dash + 1));
  return value === Number(token);
}
