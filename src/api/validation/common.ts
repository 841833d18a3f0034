// Value checks shared by several kinds, with upstream's messages: IANA port names
// (apimachinery IsValidPortName), int-or-percent (apps ValidatePositiveIntOrPercent),
// relative paths (core validateLocalDescendingPath), CIDRs and label selectors.
import { type Errs, invalid, isInt, isOneOf, labelValueProblems, notSupported, qualifiedNameProblems, required, forbidden } from './field.js';
import { isObject } from '../types.js';

export const nonNegative = (errs: Errs, field: string, v: unknown): void => {
  if (v != null && (!isInt(v) || v < 0)) errs.push(invalid(field, v, 'must be greater than or equal to 0'));
};

export const inRange = (errs: Errs, field: string, v: unknown, lo: number, hi: number): void => {
  if (v != null && (!isInt(v) || v < lo || v > hi)) errs.push(invalid(field, v, `must be between ${lo} and ${hi}, inclusive`));
};

/** Problems with an IANA_SVC_NAME (container and probe port names). */
export function portNameProblems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(v)) out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) out.push('must contain at least one letter (a-z)');
  if (v.includes('--')) out.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
}

/** A port given by number (1-65535) or by IANA name, as upstream's ValidatePortNumOrName. */
export function portNumOrName(errs: Errs, field: string, port: unknown): void {
  if (typeof port === 'string') for (const m of portNameProblems(port)) errs.push(invalid(field, port, m));
  else if (!isInt(port) || port < 1 || port > 65535) errs.push(invalid(field, port ?? 0, 'must be between 1 and 65535, inclusive'));
}

const PERCENT = '[0-9]+%';
/** The integer an int-or-percent stands for ('25%' -> 25), or undefined when it is malformed. */
export function intOrPercentValue(v: unknown): number | undefined {
  if (isInt(v)) return v;
  if (typeof v === 'string' && new RegExp(`^${PERCENT}$`).test(v)) return Number(v.slice(0, -1));
  return undefined;
}

/** Checks an int-or-percent that must be >= 0 and, as a percentage, <= 100%. */
export function intOrPercent(errs: Errs, field: string, v: unknown, max100 = true): void {
  if (v == null) return;
  if (typeof v === 'string') {
    if (intOrPercentValue(v) === undefined) {
      errs.push(invalid(field, v, `a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '${PERCENT}')`));
    } else if (max100 && intOrPercentValue(v)! > 100) errs.push(invalid(field, v, 'must not be greater than 100%'));
  } else if (isInt(v)) nonNegative(errs, field, v);
  else errs.push(invalid(field, v, "must be an integer or percentage (e.g '5%')"));
}

/** Relative, without '..' elements (subPath, keys' paths). */
export function localDescendingPath(errs: Errs, field: string, p: string): void {
  if (p.startsWith('/')) errs.push(invalid(field, p, 'must be a relative path'));
  noBacksteps(errs, field, p);
}

export function noBacksteps(errs: Errs, field: string, p: string): void {
  if (p.split('/').includes('..')) errs.push(invalid(field, p, "must not contain '..'"));
}

/** As localDescendingPath, and not starting with '..' (reserved for the atomic writer's dirs). */
export function localNonReservedPath(errs: Errs, field: string, p: string): void {
  const before = errs.length;
  localDescendingPath(errs, field, p);
  if (errs.length === before && p.startsWith('..')) errs.push(invalid(field, p, "must not start with '..'"));
}

/** Label keys and values of a map such as nodeSelector, reported at `field` (upstream ValidateLabels). */
export function labelMap(errs: Errs, field: string, m: unknown): void {
  if (!isObject(m)) return;
  for (const [k, v] of Object.entries(m)) {
    for (const msg of qualifiedNameProblems(k)) errs.push(invalid(field, k, msg));
    if (typeof v === 'string') for (const msg of labelValueProblems(v)) errs.push(invalid(field, v, msg));
  }
}

/** A metav1.LabelSelector (upstream ValidateLabelSelector). */
export function labelSelector(errs: Errs, field: string, sel: unknown): void {
  if (!isObject(sel)) return;
  labelMap(errs, `${field}.matchLabels`, sel.matchLabels);
  if (!Array.isArray(sel.matchExpressions)) return;
  sel.matchExpressions.forEach((e, i) => {
    const f = `${field}.matchExpressions[${i}]`;
    if (!isObject(e)) return;
    const values = Array.isArray(e.values) ? e.values : [];
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0) errs.push(required(`${f}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(`${f}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    } else errs.push(invalid(`${f}.operator`, e.operator ?? '', 'not a valid selector operator'));
    if (typeof e.key === 'string') for (const m of qualifiedNameProblems(e.key)) errs.push(invalid(`${f}.key`, e.key, m));
  });
}

/** Enum check: absent is fine (defaulted or optional), anything else must be listed. */
export function oneOf(errs: Errs, field: string, v: unknown, allowed: readonly string[]): void {
  if (v !== undefined && v !== null && !isOneOf(v, allowed)) errs.push(notSupported(field, v, allowed));
}

/** Parses an IPv4 or IPv6 CIDR into [bytes, prefix], or undefined. */
export function parseCidr(s: string): [number[], number] | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const bytes = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (!bytes || prefix > bytes.length * 8) return undefined;
  return [bytes, prefix];
}

function parseIp(s: string): number[] | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number);
    return parts.every((p) => p <= 255) ? parts : undefined;
  }
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]);
}

/** Whether CIDR `inner` lies inside `outer` and is strictly smaller. */
export function cidrStrictSubset(inner: [number[], number], outer: [number[], number]): boolean {
  if (inner[0].length !== outer[0].length || inner[1] <= outer[1]) return false;
  for (let bit = 0; bit < outer[1]; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((inner[0][bit >> 3]! & mask) !== (outer[0][bit >> 3]! & mask)) return false;
  }
  return true;
}

export const isIpAddress = (s: string): boolean => parseIp(s) !== undefined;
