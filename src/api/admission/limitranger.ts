// The LimitRanger admission plugin (upstream plugin/pkg/admission/limitranger), pure: the
// LimitRanges of the namespace fill in containers' missing requests and limits at create,
// then min, max and maxLimitRequestRatio are enforced per Container, per Pod (summed, init
// containers counted as upstream's effective requests) and per PersistentVolumeClaim.
// The caller turns the messages into one 403 Forbidden. Pods and claims are request bodies
// (JSON of any shape, read with narrowing); the LimitRanges were validated when stored.
import { dict, ownValue, setOwn, type Dict } from '../../own-keys.js';
import { parseQuantity } from '../validation/field.js';
import { canonicalQuantity, formatQuantity } from '../quantity.js';
import { isObject, type Json, type JsonObject, type LimitRange, type LimitRangeItem } from '../types.js';

/** The part of a stored LimitRange read here. */
export type LimitRangeLike = Pick<LimitRange, 'spec'>;

const items = (ranges: readonly LimitRangeLike[], type: string): LimitRangeItem[] =>
  ranges.flatMap((lr) => (Array.isArray(lr?.spec?.limits) ? lr.spec.limits : [])).filter((l) => isObject(l) && l.type === type);
const value = (q: unknown): number => parseQuantity(q) ?? 0;
const sortedKeys = (m: object) => Object.keys(m).sort();
const objectOr = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});
// Messages print quantities as Quantity.String() does.
const q = canonicalQuantity;

/** The default requests/limits a Container gets: the last LimitRange item naming each wins (upstream). */
function containerDefaults(ranges: readonly LimitRangeLike[]): { requests: Dict<string>; limits: Dict<string> } {
  const requests = dict<string>();
  const limits = dict<string>();
  for (const item of items(ranges, 'Container')) {
    if (isObject(item.defaultRequest)) Object.assign(requests, item.defaultRequest);
    if (isObject(item.default)) Object.assign(limits, item.default);
  }
  return { requests, limits };
}

/** obj[key] as an object, set to {} when it is anything else. */
function objectField(obj: JsonObject, key: string): JsonObject {
  const v = ownValue(obj, key);
  if (isObject(v)) return v;
  const fresh: JsonObject = {};
  setOwn(obj, key, fresh);
  return fresh;
}

/**
 * Fills each container's and init container's missing requests and limits from the
 * LimitRanges, and records what it set in the `kubernetes.io/limit-ranger` annotation. In place.
 */
export function applyLimitRangeDefaults(pod: JsonObject, ranges: readonly LimitRangeLike[]): void {
  const defaults = containerDefaults(ranges);
  if (!Object.keys(defaults.requests).length && !Object.keys(defaults.limits).length) return;
  const spec = isObject(pod.spec) ? pod.spec : undefined;
  if (!spec) return;
  const notes: string[] = [];
  const limitKeys = sortedKeys(defaults.limits);
  const requestKeys = sortedKeys(defaults.requests);
  const fill = (list: Json | undefined, what: string) => {
    if (!Array.isArray(list)) return;
    for (const c of list) {
      if (!isObject(c)) continue;
      const r = objectField(c, 'resources');
      const limits = objectField(r, 'limits');
      const requests = objectField(r, 'requests');
      const setLimits = limitKeys.filter((k) => ownValue(limits, k) === undefined);
      for (const k of setLimits) setOwn(limits, k, defaults.limits[k]!);
      const setRequests = requestKeys.filter((k) => ownValue(requests, k) === undefined);
      for (const k of setRequests) setOwn(requests, k, defaults.requests[k]!);
      const name = String(c.name);
      if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${what} ${name}`);
      if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${what} ${name}`);
      if (!Object.keys(limits).length) delete r.limits;
      if (!Object.keys(requests).length) delete r.requests;
    }
  };
  fill(spec.containers, 'container');
  fill(spec.initContainers, 'init container');
  if (!notes.length) return;
  const metadata = objectField(pod, 'metadata');
  metadata.annotations = { ...objectOr(metadata.annotations), 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}` };
}

// Requests and limits by resource name; names are the client's, hence ownValue.
type Amounts = Readonly<Record<string, Json>>;

function minProblem(type: string, name: string, min: string, requests: Amounts, limits: Amounts): string | undefined {
  const request = ownValue(requests, name);
  const limit = ownValue(limits, name);
  if (request === undefined) return `minimum ${name} usage per ${type} is ${q(min)}.  No request is specified`;
  if (value(request) < value(min)) return `minimum ${name} usage per ${type} is ${q(min)}, but request is ${q(request)}`;
  if (limit !== undefined && value(limit) < value(min)) return `minimum ${name} usage per ${type} is ${q(min)}, but limit is ${q(limit)}`;
  return undefined;
}

function maxProblem(type: string, name: string, max: string, requests: Amounts, limits: Amounts): string | undefined {
  const request = ownValue(requests, name);
  const limit = ownValue(limits, name);
  if (limit === undefined) return `maximum ${name} usage per ${type} is ${q(max)}.  No limit is specified`;
  if (value(limit) > value(max)) return `maximum ${name} usage per ${type} is ${q(max)}, but limit is ${q(limit)}`;
  if (request !== undefined && value(request) > value(max)) return `maximum ${name} usage per ${type} is ${q(max)}, but request is ${q(request)}`;
  return undefined;
}

function ratioProblem(type: string, name: string, ratio: string, requests: Amounts, limits: Amounts): string | undefined {
  const request = ownValue(requests, name);
  const limit = ownValue(limits, name);
  const req = value(request);
  const lim = value(limit);
  if (request === undefined || req === 0) return `${name} max limit to request ratio per ${type} is ${q(ratio)}, but no request is specified or request is 0`;
  if (limit === undefined || lim === 0) return `${name} max limit to request ratio per ${type} is ${q(ratio)}, but no limit is specified or limit is 0`;
  const observed = lim / req;
  // Go's %f: six decimals.
  if (observed > value(ratio)) return `${name} max limit to request ratio per ${type} is ${q(ratio)}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

function checkItem(out: string[], type: string, item: LimitRangeItem, requests: Amounts, limits: Amounts): void {
  const each = (m: Record<string, string> | undefined, f: (name: string, q: string) => string | undefined) => {
    if (!isObject(m)) return;
    for (const [name, quantity] of sorted(m)) {
      const p = f(name, String(quantity));
      if (p) out.push(p);
    }
  };
  each(item.min, (n, q) => minProblem(type, n, q, requests, limits));
  each(item.max, (n, q) => maxProblem(type, n, q, requests, limits));
  each(item.maxLimitRequestRatio, (n, q) => ratioProblem(type, n, q, requests, limits));
}

function resourcesOf(c: Json): { requests: JsonObject; limits: JsonObject } {
  const resources = isObject(c) ? objectOr(c.resources) : {};
  return { requests: objectOr(resources.requests), limits: objectOr(resources.limits) };
}

const listAt = (o: JsonObject, key: 'containers' | 'initContainers'): Json[] => {
  const v = o[key];
  return Array.isArray(v) ? v : [];
};

/** Sums over containers, then each init container's value when larger (upstream podRequests/podLimits). */
function podTotals(spec: JsonObject, which: 'requests' | 'limits'): Amounts {
  const total = new Map<string, number>();
  const binary = new Set<string>();
  const see = (k: string, v: unknown) => { if (/i$/.test(String(v))) binary.add(k); };
  for (const c of listAt(spec, 'containers')) {
    for (const [k, v] of Object.entries(resourcesOf(c)[which])) { total.set(k, (total.get(k) ?? 0) + value(v)); see(k, v); }
  }
  for (const c of listAt(spec, 'initContainers')) {
    for (const [k, v] of Object.entries(resourcesOf(c)[which])) if (value(v) > (total.get(k) ?? 0)) { total.set(k, value(v)); see(k, v); }
  }
  return Object.fromEntries([...total].map(([k, v]) => [k, formatQuantity(v, binary.has(k))]));
}

/** The LimitRange violations of a pod, in upstream's words; [] when it fits. */
export function podLimitProblems(pod: JsonObject, ranges: readonly LimitRangeLike[]): string[] {
  const out: string[] = [];
  const spec = objectOr(pod.spec);
  const containers = [...listAt(spec, 'containers'), ...listAt(spec, 'initContainers')];
  for (const item of items(ranges, 'Container')) {
    for (const c of containers) {
      const { requests, limits } = resourcesOf(c);
      checkItem(out, 'Container', item, requests, limits);
    }
  }
  const podItems = items(ranges, 'Pod');
  if (podItems.length) {
    const requests = podTotals(spec, 'requests');
    const limits = podTotals(spec, 'limits');
    for (const item of podItems) checkItem(out, 'Pod', item, requests, limits);
  }
  return out;
}

/** The LimitRange violations of a PersistentVolumeClaim's storage request; [] when it fits. */
export function pvcLimitProblems(pvc: JsonObject, ranges: readonly LimitRangeLike[]): string[] {
  const out: string[] = [];
  const spec = objectOr(pvc.spec);
  const requests = objectOr(objectOr(spec.resources).requests);
  for (const item of items(ranges, 'PersistentVolumeClaim')) {
    if (isObject(item.min)) for (const [n, min] of sorted(item.min)) {
      const p = minProblem('PersistentVolumeClaim', n, String(min), requests, {});
      if (p) out.push(p);
    }
    if (isObject(item.max)) for (const [n, m] of sorted(item.max)) {
      const max = String(m);
      const request = ownValue(requests, n);
      if (request === undefined) out.push(`maximum ${n} usage per PersistentVolumeClaim is ${q(max)}.  No request is specified`);
      else if (value(request) > value(max)) out.push(`maximum ${n} usage per PersistentVolumeClaim is ${q(max)}, but request is ${q(request)}`);
    }
  }
  return out;
}

const sorted = (m: Record<string, string>): [string, string][] => Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** upstream SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its default request to the default limit, then to min. */
export function defaultLimitRange(o: JsonObject): void {
  if (!isObject(o.spec) || !Array.isArray(o.spec.limits)) return;
  for (const item of o.spec.limits) {
    if (!isObject(item) || item.type !== 'Container') continue;
    const dflt = objectOr(item.default);
    const req = objectOr(item.defaultRequest);
    for (const [k, v] of Object.entries(objectOr(item.max))) if (ownValue(dflt, k) === undefined) setOwn(dflt, k, v);
    for (const [k, v] of Object.entries(dflt)) if (ownValue(req, k) === undefined) setOwn(req, k, v);
    for (const [k, v] of Object.entries(objectOr(item.min))) if (ownValue(req, k) === undefined) setOwn(req, k, v);
    // (Go leaves empty maps out of JSON)
    if (Object.keys(dflt).length) item.default = dflt;
    if (Object.keys(req).length) item.defaultRequest = req;
  }
}
