// The scale subresource (autoscaling/v1 Scale over spec.replicas) and pods/binding (the
// scheduler's way to set spec.nodeName once), as upstream's registries serve them.
import type { ResourceInfo } from '../../api/resources.js';
import { isObject, type Json, type JsonObject } from '../../api/types.js';
import { apiError, badRequest, conflict, invalid } from '../status.js';
import type { Obj } from './codec.js';
import { type Registry, type WriteOptions } from './registry.js';
import { section, stringOf } from './fields.js';
import { timestamp } from './meta.js';

/** metav1.LabelSelector as its string form (what Scale.status.selector carries). Never throws. */
function selectorString(selector: unknown): string {
  if (!isObject(selector)) return '';
  const parts = Object.entries(section(selector.matchLabels)).map(([k, v]) => `${k}=${v}`);
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of expressions.map(section)) {
    const op = String(e.operator);
    if (op === 'In' || op === 'NotIn') parts.push(`${e.key} ${op.toLowerCase()} (${(Array.isArray(e.values) ? e.values : []).join(',')})`);
    else if (op === 'Exists') parts.push(String(e.key));
    else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** An RC's selector is a plain label map: labels.SelectorFromSet, keys sorted. */
const setSelector = (sel: unknown): string =>
  Object.entries(section(sel)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',');

/** The Scale view of a scalable object. Never throws. */
export function toScale(obj: Obj): Obj {
  const m = obj.metadata;
  const spec = section(obj.spec);
  const selector = obj.kind === 'ReplicationController' ? setSelector(spec.selector) : selectorString(spec.selector);
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: section(obj.status).replicas ?? 0, selector },
  };
}

/**
 * Writes a new Scale (PUT, or PATCH through `transform`) into spec.replicas. Throws ApiError
 * 404, 409 (stale resourceVersion in the Scale), 422 (negative replicas), 400 (bad body).
 */
export async function updateScale(reg: Registry, r: ResourceInfo, ns: string, name: string,
  transform: (scale: Obj) => unknown, opts: WriteOptions = {}): Promise<Obj> {
  const updated = await reg.guaranteedUpdate(r, ns, name, { ...opts, subresource: 'scale' }, (current) => {
    const scale = transform(toScale(current));
    if (!isObject(scale)) throw badRequest('the body of the request must be a Scale object');
    if (scale.kind !== undefined && scale.kind !== 'Scale') throw badRequest(`the kind in the data (${scale.kind}) does not match the expected kind (Scale)`);
    const replicas = section(scale.spec).replicas;
    if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
      throw invalid('Scale', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }], 'autoscaling');
    }
    const next: Obj = { ...current, spec: { ...section(current.spec), replicas: replicas ?? 0 } };
    next.metadata = { ...current.metadata, resourceVersion: stringOf(section(scale.metadata).resourceVersion) || undefined };
    return next;
  }, 'Update');
  return toScale(updated);
}

/**
 * pods/binding: assigns the pod to target.name once. Throws ApiError 400 (no target), 404,
 * 409 when the pod is already assigned or being deleted.
 */
export async function bindPod(reg: Registry, r: ResourceInfo, ns: string, name: string, binding: JsonObject): Promise<void> {
  const target = section(binding.target);
  const node = target.name;
  if (!node || (target.kind && target.kind !== 'Node')) {
    throw invalid('Binding', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  }
  const meta = section(binding.metadata);
  if (meta.name && meta.name !== name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  }
  const now = timestamp(new Date(reg.deps.clock.now()));
  await reg.guaranteedUpdate(r, ns, name, { subresource: 'binding' }, (pod) => {
    if (pod.metadata.deletionTimestamp) throw conflict('pods', name, 'pod is being deleted, cannot be assigned to a host');
    const spec = section(pod.spec);
    const status = section(pod.status);
    if (spec.nodeName) throw conflict('pods', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    if (meta.uid && meta.uid !== pod.metadata.uid) {
      throw conflict('pods', name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    const conditions: Json[] = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => section(c).type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    return { ...pod, spec: { ...spec, nodeName: node }, status: { ...status, conditions } };
  }, 'Update');
}

/** For subresources served by the kubelet, until one exists. Always throws ApiError 503. */
export function kubeletSubresource(sub: string): never {
  throw apiError(503, 'ServiceUnavailable', `pods/${sub} needs a node's kubelet, and this server has no kubelet connection yet`);
}
