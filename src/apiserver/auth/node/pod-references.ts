// What a pod refers to by name (upstream podutil.VisitPodSecretNames / VisitPodConfigmapNames
// and the graph populator's claims): the edges of the Node authorizer's graph, and what
// NodeRestriction forbids in a node's mirror pods. Objects come from the store or a request
// body: every level is checked, and a field of the wrong type refers to nothing.
import { isObject, type JsonObject } from '../../../api/types.js';
import { ownValue } from '../../../own-keys.js';

/** The object at a path of keys below v; {} where the path breaks or meets something else. */
const at = (v: unknown, ...path: string[]): JsonObject => path.reduce<JsonObject>((o, k) => {
  const next = ownValue(o, k);
  return isObject(next) ? next : {};
}, isObject(v) ? v : {});
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const containers = (spec: JsonObject) => [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
const add = (into: Set<string>, name: unknown) => { if (typeof name === 'string' && name) into.add(name); };
const SECRET_REF_SOURCES = ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos'];

/** Secrets: image pull secrets, env and envFrom, and every volume type that names one. */
export function podSecretNames(pod: unknown): Set<string> {
  const out = new Set<string>();
  const spec = at(pod, 'spec');
  for (const s of list(spec.imagePullSecrets)) add(out, s.name);
  for (const c of containers(spec)) {
    for (const e of list(c.envFrom)) add(out, at(e, 'secretRef').name);
    for (const e of list(c.env)) add(out, at(e, 'valueFrom', 'secretKeyRef').name);
  }
  for (const v of list(spec.volumes)) {
    add(out, at(v, 'secret').secretName);
    add(out, at(v, 'azureFile').secretName);
    for (const src of SECRET_REF_SOURCES) add(out, at(v, src, 'secretRef').name);
    add(out, at(v, 'csi', 'nodePublishSecretRef').name);
    for (const p of list(at(v, 'projected').sources)) add(out, at(p, 'secret').name);
  }
  return out;
}

/** ConfigMaps: env and envFrom, configMap volumes and projected sources. */
export function podConfigMapNames(pod: unknown): Set<string> {
  const out = new Set<string>();
  const spec = at(pod, 'spec');
  for (const c of containers(spec)) {
    for (const e of list(c.envFrom)) add(out, at(e, 'configMapRef').name);
    for (const e of list(c.env)) add(out, at(e, 'valueFrom', 'configMapKeyRef').name);
  }
  for (const v of list(spec.volumes)) {
    add(out, at(v, 'configMap').name);
    for (const p of list(at(v, 'projected').sources)) add(out, at(p, 'configMap').name);
  }
  return out;
}

/** PersistentVolumeClaims: claim volumes, and the `<pod>-<volume>` claim of each ephemeral volume. */
export function podClaimNames(pod: unknown): Set<string> {
  const out = new Set<string>();
  for (const v of list(at(pod, 'spec').volumes)) {
    add(out, at(v, 'persistentVolumeClaim').claimName);
    if (v.ephemeral && typeof v.name === 'string') add(out, `${String(at(pod, 'metadata').name)}-${v.name}`);
  }
  return out;
}

/** The account a pod runs as; `default` when unset (upstream's admission writes that in). */
export const podServiceAccount = (pod: unknown): string => {
  const name = at(pod, 'spec').serviceAccountName;
  return (typeof name === 'string' && name) || 'default';
};

/** Secrets a PersistentVolume names, as namespace/name (its secret refs carry their own namespace). */
export function persistentVolumeSecrets(pv: unknown): string[] {
  const out = new Set<string>();
  const spec = at(pv, 'spec');
  const ref = (r: JsonObject, defaultNs = '') => { if (r.name) out.add(`${String(r.namespace ?? defaultNs)}/${String(r.name)}`); };
  for (const src of SECRET_REF_SOURCES) ref(at(spec, src, 'secretRef'));
  const azure = at(spec, 'azureFile');
  if (azure.secretName) out.add(`${String(azure.secretNamespace ?? 'default')}/${String(azure.secretName)}`);
  for (const k of ['controllerPublishSecretRef', 'nodeStageSecretRef', 'nodePublishSecretRef', 'controllerExpandSecretRef', 'nodeExpandSecretRef']) ref(at(spec, 'csi', k));
  return [...out];
}
