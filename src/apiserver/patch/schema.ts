// Patch metadata of the built-in types: what strategic merge patch (Go struct tags
// patchStrategy/patchMergeKey) and server-side apply (x-kubernetes-list-type,
// x-kubernetes-list-map-keys, x-kubernetes-map-type) need to know per field. A compact
// tree, kept here until the OpenAPI schemas of src/api/ can feed it. Anything not listed
// follows upstream's default: lists are atomic (replaced whole), maps merge key by key.

import { ownValue } from '../../own-keys.js';

export type Gvk = { group: string; version: string; kind: string };

export interface FieldMeta {
  /** Strategic merge patch: 'merge' merges lists (by mergeKey for lists of objects), 'replace' replaces maps too. */
  strategy?: 'merge' | 'replace';
  /** The struct accepts `$retainKeys` (its members are one-of, like a volume source). */
  retainKeys?: boolean;
  mergeKey?: string;
  /** Server-side apply list semantics; lists default to 'atomic'. */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  /** Values key fields take when absent (Kubernetes defaults them before anyone can read them). */
  keyDefaults?: Record<string, unknown>;
  /** 'granular' maps (labels, data...) are owned per key and as a whole; 'atomic' ones only as a whole. */
  mapType?: 'granular' | 'atomic';
  /** The fields of the struct, or of each item for lists. */
  fields?: TypeMeta;
}

export type TypeMeta = Readonly<Record<string, FieldMeta>>;

const granular: FieldMeta = { mapType: 'granular' };
const atomicMap: FieldMeta = { mapType: 'atomic' };
const byKey = (mergeKey: string, fields?: TypeMeta, listMapKeys: string[] = [mergeKey], keyDefaults?: Record<string, unknown>): FieldMeta =>
  ({ strategy: 'merge', mergeKey, listType: 'map', listMapKeys, ...(keyDefaults ? { keyDefaults } : {}), ...(fields ? { fields } : {}) });
const mergedSet: FieldMeta = { strategy: 'merge', listType: 'set' };
const struct = (fields: TypeMeta, extra: Partial<FieldMeta> = {}): FieldMeta => ({ fields, ...extra });

const objectMeta: TypeMeta = {
  labels: granular,
  annotations: granular,
  finalizers: mergedSet,
  ownerReferences: byKey('uid'),
};

const conditions = byKey('type');

const resources = struct({ limits: granular, requests: granular });

const container: TypeMeta = {
  ports: byKey('containerPort', undefined, ['containerPort', 'protocol'], { protocol: 'TCP' }),
  env: byKey('name'),
  volumeMounts: byKey('mountPath'),
  volumeDevices: byKey('devicePath'),
  resources,
};

const volumeSourceMaps: TypeMeta = {
  configMap: struct({ items: { listType: 'atomic' } }),
  secret: struct({ items: { listType: 'atomic' } }),
};

const podSpec: TypeMeta = {
  containers: byKey('name', container),
  initContainers: byKey('name', container),
  ephemeralContainers: byKey('name', container),
  volumes: byKey('name', volumeSourceMaps, ['name']),
  imagePullSecrets: byKey('name'),
  hostAliases: byKey('ip'),
  topologySpreadConstraints: byKey('topologyKey', undefined, ['topologyKey', 'whenUnsatisfiable']),
  schedulingGates: byKey('name'),
  resourceClaims: byKey('name'),
  nodeSelector: granular,
  overhead: granular,
};

const podTemplate = struct({ metadata: struct(objectMeta), spec: struct(podSpec) });
const withConditions = struct({ conditions });

const jobSpec: TypeMeta = { template: podTemplate };

const workload = (spec: TypeMeta = {}): TypeMeta => ({
  spec: struct({ selector: atomicMap, template: podTemplate, ...spec }),
  status: withConditions,
});

const KINDS: Readonly<Record<string, TypeMeta>> = {
  'v1/Pod': {
    spec: struct(podSpec),
    status: struct({ conditions, podIPs: byKey('ip'), hostIPs: byKey('ip') }),
  },
  'v1/PodTemplate': { template: podTemplate },
  'v1/ReplicationController': { spec: struct({ selector: atomicMap, template: podTemplate }), status: withConditions },
  'v1/Service': {
    spec: struct({ ports: byKey('port', undefined, ['port', 'protocol'], { protocol: 'TCP' }), selector: atomicMap }),
    status: withConditions,
  },
  'v1/Node': {
    spec: struct({ podCIDRs: mergedSet }),
    status: struct({ conditions, capacity: granular, allocatable: granular }),
  },
  'v1/Namespace': { status: withConditions },
  'v1/ConfigMap': { data: granular, binaryData: granular },
  'v1/Secret': { data: granular, stringData: granular },
  'v1/PersistentVolumeClaim': {
    spec: struct({ resources }),
    status: struct({ conditions, capacity: granular }),
  },
  'v1/PersistentVolume': { spec: struct({ capacity: granular }) },
  'v1/ResourceQuota': { spec: struct({ hard: granular }), status: struct({ hard: granular, used: granular }) },
  'apps/v1/Deployment': workload({ strategy: { retainKeys: true } }),
  'apps/v1/ReplicaSet': workload(),
  'apps/v1/StatefulSet': workload(),
  'apps/v1/DaemonSet': workload({ updateStrategy: { retainKeys: true } }),
  'batch/v1/Job': { spec: struct(jobSpec), status: withConditions },
  'batch/v1/CronJob': { spec: struct({ jobTemplate: struct({ metadata: struct(objectMeta), spec: struct(jobSpec) }) }) },
  'networking.k8s.io/v1/Ingress': {},
  'policy/v1/PodDisruptionBudget': { status: withConditions },
};

const empty: FieldMeta = {};

/** The metadata of a kind's top level (ObjectMeta included); unknown kinds get ObjectMeta only. Never fails. */
export function kindMeta(gvk: Gvk): FieldMeta {
  const gv = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  const fields = ownValue(KINDS, `${gv}/${gvk.kind}`) ?? {};
  return { fields: { metadata: struct(objectMeta), ...fields } };
}

/** The metadata of one field of a struct (or of each item's field for lists); {} when unknown. */
export function fieldMeta(parent: FieldMeta, name: string): FieldMeta {
  // Field names come from request bodies: `constructor` is not a field of any kind.
  return (parent.fields && ownValue(parent.fields, name)) ?? empty;
}

/** Server-side apply's list type: listed types, else 'set' for SMP-merged primitives, else atomic. */
export function listTypeOf(meta: FieldMeta): 'atomic' | 'set' | 'map' {
  return meta.listType ?? 'atomic';
}
