// Whether a create/update body may be stored at an endpoint: its apiVersion and kind, read
// and defaulted as upstream's serializer does (a missing kind or apiVersion is the
// endpoint's), and the words upstream's decoder uses when they do not fit (the "cannot be
// handled as a" family from the apiserver's transformDecodeError).
import { ownValue } from '../own-keys.js';
import { RESOURCES } from './resources.js';
import type { Gvk } from './types.js';

const gvString = (g: string, v: string) => (g ? `${g}/${v}` : v);

// Upstream's internal (hub) package of each group, as conversion errors name it.
const INTERNAL: Record<string, string> = { '': 'core', 'events.k8s.io': 'core' };
const internalPackage = (group: string) => ownValue(INTERNAL, group) ?? group.split('.')[0]!;

/** Upstream's summary of a body in decode errors: its first 30 bytes, as text when it is a JSON object, else hex. */
export function summarizeBody(raw: Buffer): string {
  if (raw.length === 0) return '<empty>';
  const head = raw.subarray(0, 30);
  const shown = raw[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return raw.length > 30 ? `${shown} ...` : shown;
}

/** The message upstream's decoder fails with when it cannot type a body at all. */
export const unrecognized = (target: Gvk, why: string, raw: Buffer) =>
  `the object provided is unrecognized (must be of type ${target.kind}): ${why} (${summarizeBody(raw)})`;

/** `Deployment in version "v1" cannot be handled as a Deployment: <why>` for the body's (defaulted) kind. */
export const cannotHandle = (body: Gvk, target: Gvk, why: string) =>
  `${body.kind} in version "${body.version}" cannot be handled as a ${target.kind}: ${why}`;

export type KindCheck = { ok: true; gvk: Gvk } | { ok: false; message: string };

/**
 * Reads and defaults the body's apiVersion/kind against the endpoint's `target` and says
 * whether it is that kind; otherwise gives upstream's 400 message. Never throws.
 */
export function checkBodyKind(target: Gvk, body: unknown, raw: Buffer): KindCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const what = body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body === 'number' ? 'number' : typeof body;
    return { ok: false, message: unrecognized(target, `couldn't get version/kind; json parse error: json: cannot unmarshal ${what} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`, raw) };
  }
  const { apiVersion = '', kind = '' } = body as { apiVersion?: unknown; kind?: unknown };
  for (const [name, v] of [['apiVersion', apiVersion], ['kind', kind]] as const) {
    if (typeof v !== 'string' && v !== null) {
      const what = Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;
      return { ok: false, message: unrecognized(target, `couldn't get version/kind; json parse error: json: cannot unmarshal ${what} into Go struct field .${name} of type string`, raw) };
    }
  }
  const av = (apiVersion as string | null) ?? '';
  const parts = av === '' ? [] : av.split('/');
  if (parts.length > 2) return { ok: false, message: unrecognized(target, `unexpected GroupVersion string: ${av}`, raw) };
  let [group, version] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['', parts[0] ?? ''];
  // Upstream's gvkWithDefaults.
  if (!version && (!group || group === target.group)) [group, version] = [target.group, target.version];
  const gvk = { group, version, kind: (kind as string | null) || target.kind };
  if (gvk.group === target.group && gvk.version === target.version && gvk.kind === target.kind) return { ok: true, gvk };
  const served = RESOURCES.find((r) => r.group === gvk.group && r.version === gvk.version && r.kind === gvk.kind);
  if (!served) {
    const scheme = 'pkg/api/legacyscheme/scheme.go:30';
    return { ok: false, message: cannotHandle(gvk, target, `no kind "${gvk.kind}" is registered for version "${gvString(gvk.group, gvk.version)}" in scheme "${scheme}"`) };
  }
  if (gvk.kind !== target.kind || internalPackage(gvk.group) !== internalPackage(target.group)) {
    return { ok: false, message: cannotHandle(gvk, target, `converting (${gvk.version}.${gvk.kind}) to (${internalPackage(target.group)}.${target.kind}): unknown conversion`) };
  }
  return { ok: false, message: `the API version in the data (${gvString(gvk.group, gvk.version)}) does not match the expected API version (${gvString(target.group, target.version)})` };
}
