// The LimitRanger admission plugin (upstream plugin/pkg/admission/limitranger), pure: the
// LimitRanges of the namespace fill in containers' missing requests and limits at create,
// then min, max and maxLimitRequestRatio are enforced per Container, per Pod (summed, init
// containers counted as upstream's effective requests) and per PersistentVolumeClaim.
// The caller turns the messages into one 403 Forbidden.
import { parseQuantity } from '../validation/field.js';
import { canonicalQuantity, formatQuantity } from '../quantity.js';

type Obj = Record<string, any>;
type Resources = Record<string, string>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const items = (ranges: readonly Obj[], type: string): Obj[] =>
  ranges.flatMap((lr) => (Array.isArray(lr?.spec?.limits) ? lr.spec.limits : [])).filter((l: Obj) => isObj(l) && l.type === type);
const value = (q: unknown): number => parseQuantity(q) ?? 0;
const sortedKeys = (m: Obj) => Object.keys(m).sort();
// Messages print quantities as Quantity.String() does.
const q = canonicalQuantity;

/** The default requests/limits a Container gets: the last LimitRange item naming each wins (upstream). */
function containerDefaults(ranges: readonly Obj[]): { requests: Resources; limits: Resources } {
  const requests: Resources = {};
  const limits: Resources = {};
  for (const item of items(ranges, 'Container')) {
    if (isObj(item.defaultRequest)) Object.assign(requests, item.defaultRequest);
    if (isObj(item.default)) Object.assign(limits, item.default);
  }
  return { requests, limits };
}

/**
 * Fills each container's and init container's missing requests and limits from the
 * LimitRanges, and records what it set in the `kubernetes.io/limit-ranger` annotation. In place.
 */
export function applyLimitRangeDefaults(pod: Obj, ranges: readonly Obj[]): void {
  const defaults = containerDefaults(ranges);
  if (!Object.keys(defaults.requests).length && !Object.keys(defaults.limits).length) return;
  const spec = isObj(pod.spec) ? pod.spec : undefined;
  if (!spec) return;
  const notes: string[] = [];
  const fill = (list: unknown, what: string) => {
    if (!Array.isArray(list)) return;
    for (const c of list) {
      if (!isObj(c)) continue;
      if (!isObj(c.resources)) c.resources = {};
      const r = c.resources;
      if (!isObj(r.limits)) r.limits = {};
      if (!isObj(r.requests)) r.requests = {};
      const setLimits = sortedKeys(defaults.limits).filter((k) => r.limits[k] === undefined);
      for (const k of setLimits) r.limits[k] = defaults.limits[k];
      const setRequests = sortedKeys(defaults.requests).filter((k) => r.requests[k] === undefined);
      for (const k of setRequests) r.requests[k] = defaults.requests[k];
      if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${what} ${c.name}`);
      if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${what} ${c.name}`);
      if (!Object.keys(r.limits).length) delete r.limits;
      if (!Object.keys(r.requests).length) delete r.requests;
    }
  };
  fill(spec.containers, 'container');
  fill(spec.initContainers, 'init container');
  if (!notes.length) return;
  if (!isObj(pod.metadata)) pod.metadata = {};
  pod.metadata.annotations = { ...(isObj(pod.metadata.annotations) ? pod.metadata.annotations : {}), 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}` };
}

function minProblem(type: string, name: string, min: string, requests: Obj, limits: Obj): string | undefined {
  if (requests[name] === undefined) return `minimum ${name} usage per ${type} is ${q(min)}.  No request is specified`;
  if (value(requests[name]) < value(min)) return `minimum ${name} usage per ${type} is ${q(min)}, but request is ${q(requests[name])}`;
  if (limits[name] !== undefined && value(limits[name]) < value(min)) return `minimum ${name} usage per ${type} is ${q(min)}, but limit is ${q(limits[name])}`;
  return undefined;
}

function maxProblem(type: string, name: string, max: string, requests: Obj, limits: Obj): string | undefined {
  if (limits[name] === undefined) return `maximum ${name} usage per ${type} is ${q(max)}.  No limit is specified`;
  if (value(limits[name]) > value(max)) return `maximum ${name} usage per ${type} is ${q(max)}, but limit is ${q(limits[name])}`;
  if (requests[name] !== undefined && value(requests[name]) > value(max)) return `maximum ${name} usage per ${type} is ${q(max)}, but request is ${q(requests[name])}`;
  return undefined;
}

function ratioProblem(type: string, name: string, ratio: string, requests: Obj, limits: Obj): string | undefined {
  const req = value(requests[name]);
  const lim = value(limits[name]);
  if (requests[name] === undefined || req === 0) return `${name} max limit to request ratio per ${type} is ${q(ratio)}, but no request is specified or request is 0`;
  if (limits[name] === undefined || lim === 0) return `${name} max limit to request ratio per ${type} is ${q(ratio)}, but no limit is specified or limit is 0`;
  const observed = lim / req;
  // Go's %f: six decimals.
  if (observed > value(ratio)) return `${name} max limit to request ratio per ${type} is ${q(ratio)}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

function checkItem(out: string[], type: string, item: Obj, requests: Obj, limits: Obj): void {
  const each = (m: unknown, f: (name: string, q: string) => string | undefined) => {
    if (!isObj(m)) return;
    for (const name of sortedKeys(m)) {
      const p = f(name, String(m[name]));
      if (p) out.push(p);
    }
  };
  each(item.min, (n, q) => minProblem(type, n, q, requests, limits));
  each(item.max, (n, q) => maxProblem(type, n, q, requests, limits));
  each(item.maxLimitRequestRatio, (n, q) => ratioProblem(type, n, q, requests, limits));
}

const resourcesOf = (c: Obj) => ({ requests: isObj(c?.resources?.requests) ? c.resources.requests : {}, limits: isObj(c?.resources?.limits) ? c.resources.limits : {} });

/** Sums over containers, then each init container's value when larger (upstream podRequests/podLimits). */
function podTotals(spec: Obj, which: 'requests' | 'limits'): Obj {
  const total: Record<string, number> = {};
  const binary = new Set<string>();
  const see = (k: string, v: unknown) => { if (/i$/.test(String(v))) binary.add(k); };
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
    for (const [k, v] of Object.entries(resourcesOf(c)[which])) { total[k] = (total[k] ?? 0) + value(v); see(k, v); }
  }
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) {
    for (const [k, v] of Object.entries(resourcesOf(c)[which])) if (value(v) > (total[k] ?? 0)) { total[k] = value(v); see(k, v); }
  }
  return Object.fromEntries(Object.entries(total).map(([k, v]) => [k, formatQuantity(v, binary.has(k))]));
}

/** The LimitRange violations of a pod, in upstream's words; [] when it fits. */
export function podLimitProblems(pod: Obj, ranges: readonly Obj[]): string[] {
  const out: string[] = [];
  const spec = isObj(pod.spec) ? pod.spec : {};
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  for (const item of items(ranges, 'Container')) {
    for (const c of containers) {
      const { requests, limits } = resourcesOf(c);
      checkItem(out, 'Container', item, requests, limits);
    }
  }
  for (const item of items(ranges, 'Pod')) checkItem(out, 'Pod', item, podTotals(spec, 'requests'), podTotals(spec, 'limits'));
  return out;
}

/** The LimitRange violations of a PersistentVolumeClaim's storage request; [] when it fits. */
export function pvcLimitProblems(pvc: Obj, ranges: readonly Obj[]): string[] {
  const out: string[] = [];
  const requests = isObj(pvc.spec?.resources?.requests) ? pvc.spec.resources.requests : {};
  for (const item of items(ranges, 'PersistentVolumeClaim')) {
    if (isObj(item.min)) for (const n of sortedKeys(item.min)) {
      const p = minProblem('PersistentVolumeClaim', n, String(item.min[n]), requests, {});
      if (p) out.push(p);
    }
    if (isObj(item.max)) for (const n of sortedKeys(item.max)) {
      const max = String(item.max[n]);
      if (requests[n] === undefined) out.push(`maximum ${n} usage per PersistentVolumeClaim is ${q(max)}.  No request is specified`);
      else if (value(requests[n]) > value(max)) out.push(`maximum ${n} usage per PersistentVolumeClaim is ${q(max)}, but request is ${q(requests[n])}`);
    }
  }
  return out;
}

/** upstream SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its default request to the default limit, then to min. */
export function defaultLimitRange(o: Obj): void {
  if (!isObj(o.spec) || !Array.isArray(o.spec.limits)) return;
  for (const item of o.spec.limits) {
    if (!isObj(item) || item.type !== 'Container') continue;
    const dflt: Obj = isObj(item.default) ? item.default : {};
    const req: Obj = isObj(item.defaultRequest) ? item.defaultRequest : {};
    for (const [k, v] of Object.entries(isObj(item.max) ? item.max : {})) if (dflt[k] === undefined) dflt[k] = v;
    for (const [k, v] of Object.entries(dflt)) if (req[k] === undefined) req[k] = v;
    for (const [k, v] of Object.entries(isObj(item.min) ? item.min : {})) if (req[k] === undefined) req[k] = v;
    // (Go leaves empty maps out of JSON)
    if (Object.keys(dflt).length) item.default = dflt;
    if (Object.keys(req).length) item.defaultRequest = req;
  }
}
