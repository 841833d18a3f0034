// The downward API's values as upstream's kubelet renders them (pkg/fieldpath, pkg/api/v1/
// resource): labels and annotations as sorted `key="value"` lines with Go's %q quoting,
// resources divided by the divisor and rounded up, an unset limit read as the node's allocatable.
import type { Container, Pod, ResourceFieldSelector } from '../../api/types.js';
import { parseQuantity } from '../../api/validation/field.js';
import { ownValue } from '../../own-keys.js';
import { VolumeError } from './errors.js';

/** Go's strconv.Quote for the printable text labels hold; control bytes as \xNN. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** fieldpath.FormatMap: `k="v"` lines sorted by key, joined by newlines (no trailing one). */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(ownValue(m ?? {}, k) ?? '')}`).join('\n');
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** A fieldRef of a downwardAPI volume item (metadata only, as the API allows for volumes). */
export function podFieldValue(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata;
  const sub = SUBSCRIPT.exec(fieldPath);
  if (sub) return ownValue((sub[1] === 'labels' ? meta.labels : meta.annotations) ?? {}, sub[2]!) ?? '';
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'metadata.labels': return formatMap(meta.labels);
    case 'metadata.annotations': return formatMap(meta.annotations);
    default: throw new VolumeError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** Node allocatable by resource name (cpu, memory, ephemeral-storage), for unset limits. */
export type Allocatable = ReadonlyMap<string, string>;

/**
 * A resourceFieldRef's value: ceil(quantity / divisor) as a decimal integer, cpu counted in
 * millicores as upstream; a limit the container does not set is the node's allocatable.
 */
export function resourceFieldValue(pod: Pod, ref: ResourceFieldSelector, allocatable: Allocatable): string {
  const container = findContainer(pod, ref.containerName);
  if (!container) throw new VolumeError(`container ${ref.containerName ?? ''} not found in pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
  const [kind, name] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new VolumeError(`unsupported container resource : ${ref.resource}`);
  const set = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  let q = set ? ownValue(set, name) : undefined;
  if (q === undefined && kind === 'limits') q = allocatable.get(name);
  const value = q === undefined ? 0 : parseQuantity(q);
  const divisor = parseQuantity(ref.divisor ?? '1');
  if (value === undefined) throw new VolumeError(`invalid quantity ${String(q)} for ${ref.resource}`);
  if (divisor === undefined || divisor === 0) throw new VolumeError(`invalid divisor ${String(ref.divisor)} for ${ref.resource}`);
  if (name === 'cpu') return String(Math.ceil(Math.round(value * 1000) / Math.round(divisor * 1000)));
  return String(Math.ceil(value / divisor));
}

/** Whether a limit must be filled from the node (to fetch its allocatable only then). */
export function needsAllocatable(pod: Pod, ref: ResourceFieldSelector): boolean {
  const [kind, name] = ref.resource.split('.', 2);
  const limits = findContainer(pod, ref.containerName)?.resources?.limits;
  return kind === 'limits' && name !== undefined && (limits === undefined || ownValue(limits, name) === undefined);
}

function findContainer(pod: Pod, name: string | undefined): Container | undefined {
  const spec = pod.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].find((c) => c.name === name);
}
