// The scale subresource (autoscaling/v1 Scale over spec.replicas) and pods/binding (the
// scheduler's way to set spec.nodeName once), as upstream's registries serve them.
import type { ResourceInfo } from '../../api/resources.js';
import { apiError, badRequest, conflict, invalid } from '../status.js';
import type { Obj } from './codec.js';
import { type Registry, type WriteOptions } from './registry.js';
import { timestamp } from './meta.js';

/** metav1.LabelSelector as its string form (what Scale.status.selector carries). Never throws. */
export function selectorString(sel: Obj | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of (sel.matchExpressions ?? []) as Obj[]) {
    const op = String(e.operator);
    if (op === 'In' || op === 'NotIn') parts.push(`${e.key} ${op.toLowerCase()} (${(e.values ?? []).join(',')})`);
    else if (op === 'Exists') parts.push(String(e.key));
    else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** An RC's selector is a plain label map: labels.SelectorFromSet, keys sorted. */
const setSelector = (sel: Obj | undefined): string =>
  Object.entries(sel ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',');

/** The Scale view of a scalable object. Never throws. */
export function toScale(obj: Obj): Obj {
  const m = obj.metadata;
  const selector = obj.kind === 'ReplicationController' ? setSelector(obj.spec?.selector) : selectorString(obj.spec?.selector);
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0, selector },
  };
}

/**
 * Writes a new Scale (PUT, or PATCH through `transform`) into spec.replicas. Throws ApiError
 * 404, 409 (stale resourceVersion in the Scale), 422 (negative replicas), 400 (bad body).
 */
export async function updateScale(reg: Registry, r: ResourceInfo, ns: string, name: string,
  transform: (scale: Obj) => Obj, opts: WriteOptions = {}): Promise<Obj> {
  const updated = await reg.guaranteedUpdate(r, ns, name, { ...opts, subresource: 'scale' }, (current) => {
    const scale = transform(toScale(current));
    if (!scale || typeof scale !== 'object') throw badRequest('the body of the request must be a Scale object');
    if (scale.kind !== undefined && scale.kind !== 'Scale') throw badRequest(`the kind in the data (${scale.kind}) does not match the expected kind (Scale)`);
    const replicas = scale.spec?.replicas;
    if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
      throw invalid('Scale', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }], 'autoscaling');
    }
    const next: Obj = { ...current, spec: { ...current.spec, replicas: replicas ?? 0 } };
    next.metadata = { ...current.metadata, resourceVersion: scale.metadata?.resourceVersion || undefined };
    return next;
  }, 'Update');
  return toScale(updated);
}

/**
 * pods/binding: assigns the pod to target.name once. Throws ApiError 400 (no target), 404,
 * 409 when the pod is already assigned or being deleted.
 */
export async function bindPod(reg: Registry, r: ResourceInfo, ns: string, name: string, binding: Obj): Promise<void> {
  const node = binding?.target?.name;
  if (!node || (binding.target.kind && binding.target.kind !== 'Node')) {
    throw invalid('Binding', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  }
  if (binding.metadata?.name && binding.metadata.name !== name) {
    throw badRequest(`the name of the object (${binding.metadata.name}) does not match the name on the URL (${name})`);
  }
  const now = timestamp(reg.deps.now());
  await reg.guaranteedUpdate(r, ns, name, { subresource: 'binding' }, (pod) => {
    if (pod.metadata.deletionTimestamp) throw conflict('pods', name, 'pod is being deleted, cannot be assigned to a host');
    if (pod.spec?.nodeName) throw conflict('pods', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) {
      throw conflict('pods', name, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    const conditions = ((pod.status?.conditions ?? []) as Obj[]).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    return { ...pod, spec: { ...pod.spec, nodeName: node }, status: { ...pod.status, conditions } };
  }, 'Update');
}

/** For subresources served by the kubelet, until one exists. Always throws ApiError 503. */
export function kubeletSubresource(sub: string): never {
  throw apiError(503, 'ServiceUnavailable', `pods/${sub} needs a node's kubelet, and this server has no kubelet connection yet`);
}
