// Field errors worded as upstream's field.Error.ErrorBody() (k8s.io/apimachinery/pkg/util/validation/field),
// and the name/label/quantity checks of apimachinery's util/validation, with their messages.
import type { StatusCause } from '../types.js';

/** A field error: always a reason and a message (what the apiserver's 422 details carry). */
export type FieldCause = StatusCause & { reason: string; message: string };
export type Errs = FieldCause[];

// Go's %#v for the values we report: strings quoted, numbers bare.
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

export const required = (field: string, detail = ''): FieldCause => ({ reason: 'FieldValueRequired', message: `Required value${detail ? `: ${detail}` : ''}`, field });
export const invalid = (field: string, value: unknown, detail: string): FieldCause => ({ reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${detail}`, field });
export const notSupported = (field: string, value: unknown, allowed: readonly string[]): FieldCause =>
  ({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${show(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, field });
export const duplicate = (field: string, value: unknown): FieldCause => ({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${show(value)}`, field });
export const forbidden = (field: string, detail: string): FieldCause => ({ reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field });
export const tooLong = (field: string, max: number): FieldCause => ({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} bytes`, field });
export const typeInvalid = (field: string, value: unknown, detail: string): FieldCause => ({ reason: 'FieldValueTypeInvalid', message: `Invalid value: ${show(value)}: ${detail}`, field });
export const immutable = (field: string, value: unknown): FieldCause => invalid(field, value, 'field is immutable');

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = `${LABEL}(\\.${LABEL})*`;
const DNS1035 = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const full = (re: string) => new RegExp(`^${re}$`);

/** Problems with a DNS-1123 subdomain (most object names), as messages. */
export function subdomainProblems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!full(SUBDOMAIN).test(v)) out.push(`a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${SUBDOMAIN}')`);
  return out;
}

/** Problems with a DNS-1123 label (namespace and container names). */
export function labelProblems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!full(LABEL).test(v)) out.push(`a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${LABEL}')`);
  return out;
}

/** Problems with a DNS-1035 label (service names). */
export function dns1035Problems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!full(DNS1035).test(v)) out.push(`a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035}')`);
  return out;
}

/** Problems with a path segment name (RBAC objects): anything but '.', '..', '/' and '%'. */
export function pathSegmentProblems(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  const bad = ['/', '%'].find((c) => v.includes(c));
  return bad ? [`may not contain '${bad}'`] : [];
}

/** Problems with a qualified name (label and annotation keys: optional DNS prefix + '/' + name). */
export function qualifiedNameProblems(v: string): string[] {
  const parts = v.split('/');
  let name = v;
  const out: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else out.push(...subdomainProblems(prefix).map((m) => `prefix part ${m}`));
  } else if (parts.length > 2) {
    return [`a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else if (name.length > 63) out.push('name part must be no more than 63 characters');
  if (name.length && !full(QUALIFIED).test(name)) out.push(`name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED}')`);
  return out;
}

/** Problems with a label value (empty allowed). */
export function labelValueProblems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!full(LABEL_VALUE).test(v)) out.push(`a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`);
  return out;
}

const CONFIG_KEY = '[-._a-zA-Z0-9]+';
/** Problems with a ConfigMap/Secret data key. */
export function configKeyProblems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!full(CONFIG_KEY).test(v)) out.push(`a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${CONFIG_KEY}')`);
  if (v === '.' || v === '..' || v.startsWith('..')) out.push(`must not be '.' or '..' or start with '..'`);
  return out;
}

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const SUFFIX = new Map(Object.entries({ '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 }));

/** A resource.Quantity's value as a number, or undefined when it does not parse (upstream's ParseQuantity). */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const num = Number(m[1]);
  if (!Number.isFinite(num)) return undefined;
  const suffix = m[2]!;
  const scale = SUFFIX.get(suffix);
  if (scale !== undefined) return num * scale;
  const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  return exp ? num * 10 ** Number(exp[1]) : undefined;
}
export const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Field names of a generated API type: `[...] as const satisfies Keys<Probe>` makes a misspelt field a compile error. */
export type Keys<T> = readonly (keyof T & string)[];

/** The values of a generated enum field: `[...] satisfies Values<PodSpec['restartPolicy']>` keeps a list within the schema's. */
export type Values<T> = readonly NonNullable<T>[];

/** Whether v is one of the allowed strings (an enum check on a value read from a body). */
export const isOneOf = (v: unknown, allowed: readonly string[]): v is string => allowed.some((a) => a === v);
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
