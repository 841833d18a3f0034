// What a pod refers to by name (upstream podutil.VisitPodSecretNames / VisitPodConfigmapNames
// and the graph populator's claims): the edges of the Node authorizer's graph, and what
// NodeRestriction forbids in a node's mirror pods.
type Obj = Record<string, any>;

const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);
const containers = (spec: Obj) => [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
const add = (into: Set<string>, name: unknown) => { if (typeof name === 'string' && name) into.add(name); };

/** Secrets: image pull secrets, env and envFrom, and every volume type that names one. */
export function podSecretNames(pod: Obj): Set<string> {
  const out = new Set<string>();
  const spec = pod?.spec ?? {};
  for (const s of list(spec.imagePullSecrets)) add(out, s.name);
  for (const c of containers(spec)) {
    for (const e of list(c.envFrom)) add(out, e.secretRef?.name);
    for (const e of list(c.env)) add(out, e.valueFrom?.secretKeyRef?.name);
  }
  for (const v of list(spec.volumes)) {
    add(out, v.secret?.secretName);
    add(out, v.azureFile?.secretName);
    for (const src of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos']) add(out, v[src]?.secretRef?.name);
    add(out, v.csi?.nodePublishSecretRef?.name);
    for (const p of list(v.projected?.sources)) add(out, p.secret?.name);
  }
  return out;
}

/** ConfigMaps: env and envFrom, configMap volumes and projected sources. */
export function podConfigMapNames(pod: Obj): Set<string> {
  const out = new Set<string>();
  const spec = pod?.spec ?? {};
  for (const c of containers(spec)) {
    for (const e of list(c.envFrom)) add(out, e.configMapRef?.name);
    for (const e of list(c.env)) add(out, e.valueFrom?.configMapKeyRef?.name);
  }
  for (const v of list(spec.volumes)) {
    add(out, v.configMap?.name);
    for (const p of list(v.projected?.sources)) add(out, p.configMap?.name);
  }
  return out;
}

/** PersistentVolumeClaims: claim volumes, and the `<pod>-<volume>` claim of each ephemeral volume. */
export function podClaimNames(pod: Obj): Set<string> {
  const out = new Set<string>();
  for (const v of list(pod?.spec?.volumes)) {
    add(out, v.persistentVolumeClaim?.claimName);
    if (v.ephemeral && typeof v.name === 'string') add(out, `${pod.metadata?.name}-${v.name}`);
  }
  return out;
}

/** The account a pod runs as; `default` when unset (upstream's admission writes that in). */
export const podServiceAccount = (pod: Obj): string => (typeof pod?.spec?.serviceAccountName === 'string' && pod.spec.serviceAccountName) || 'default';

/** Secrets a PersistentVolume names, as namespace/name (its secret refs carry their own namespace). */
export function persistentVolumeSecrets(pv: Obj): string[] {
  const out = new Set<string>();
  const spec = pv?.spec ?? {};
  const ref = (r: Obj | undefined, defaultNs = '') => { if (r?.name) out.add(`${r.namespace ?? defaultNs}/${r.name}`); };
  for (const src of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos']) ref(spec[src]?.secretRef);
  if (spec.azureFile?.secretName) out.add(`${spec.azureFile.secretNamespace ?? 'default'}/${spec.azureFile.secretName}`);
  for (const k of ['controllerPublishSecretRef', 'nodeStageSecretRef', 'nodePublishSecretRef', 'controllerExpandSecretRef', 'nodeExpandSecretRef']) ref(spec.csi?.[k]);
  return [...out];
}
