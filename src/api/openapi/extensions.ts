// The x-kubernetes-* extensions upstream's swagger carries and kubernetes-models drops: the
// patch merge keys and strategies (strategic merge patch, `kubectl apply`) and the list and
// map types (server-side apply). Values from upstream's Go struct tags
// (patchMergeKey/patchStrategy, +listType/+listMapKey/+mapType) in k8s.io/api at 1.32;
// only the fields users patch in practice, everything else stays atomic by default.
import { ownValue } from '../../own-keys.js';
import type { Schema } from './models.js';

interface FieldExt {
  mergeKey?: string;
  strategy?: string;
  listType?: 'atomic' | 'set' | 'map';
  mapKeys?: string[];
  mapType?: 'atomic' | 'granular';
}

const byName = (key = 'name'): FieldExt => ({ mergeKey: key, strategy: 'merge', listType: 'map', mapKeys: [key] });
const atomic: FieldExt = { listType: 'atomic' };
const conditions = byName('type');

const core = 'io.k8s.api.core.v1';
const apps = 'io.k8s.api.apps.v1';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** definition name → property → extensions. */
export const FIELD_EXTENSIONS: Record<string, Record<string, FieldExt>> = {
  [`${meta}.ObjectMeta`]: {
    finalizers: { strategy: 'merge', listType: 'set' },
    ownerReferences: { mergeKey: 'uid', strategy: 'merge', listType: 'map', mapKeys: ['uid'] },
    managedFields: atomic,
  },
  [`${meta}.LabelSelector`]: { matchExpressions: atomic },
  [`${meta}.LabelSelectorRequirement`]: { values: atomic },
  [`${core}.PodSpec`]: {
    containers: byName(),
    initContainers: byName(),
    ephemeralContainers: byName(),
    volumes: { mergeKey: 'name', strategy: 'merge,retainKeys', listType: 'map', mapKeys: ['name'] },
    imagePullSecrets: { mergeKey: 'name', strategy: 'merge', listType: 'map', mapKeys: ['name'] },
    hostAliases: { mergeKey: 'ip', strategy: 'merge', listType: 'map', mapKeys: ['ip'] },
    tolerations: atomic,
    readinessGates: atomic,
    topologySpreadConstraints: { mergeKey: 'topologyKey', strategy: 'merge', listType: 'map', mapKeys: ['topologyKey', 'whenUnsatisfiable'] },
    schedulingGates: byName(),
    resourceClaims: { mergeKey: 'name', strategy: 'merge,retainKeys', listType: 'map', mapKeys: ['name'] },
  },
  [`${core}.Container`]: {
    ports: { mergeKey: 'containerPort', strategy: 'merge', listType: 'map', mapKeys: ['containerPort', 'protocol'] },
    env: byName(),
    volumeMounts: { mergeKey: 'mountPath', strategy: 'merge', listType: 'atomic' },
    volumeDevices: { mergeKey: 'devicePath', strategy: 'merge', listType: 'atomic' },
    args: atomic,
    command: atomic,
    envFrom: atomic,
    resizePolicy: atomic,
  },
  [`${core}.PodStatus`]: {
    conditions,
    podIPs: { mergeKey: 'ip', strategy: 'merge', listType: 'atomic' },
    hostIPs: { mergeKey: 'ip', strategy: 'merge', listType: 'atomic' },
    containerStatuses: atomic,
    initContainerStatuses: atomic,
  },
  [`${core}.ServiceSpec`]: {
    ports: { mergeKey: 'port', strategy: 'merge', listType: 'map', mapKeys: ['port', 'protocol'] },
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
  },
  [`${core}.ServiceStatus`]: { conditions: { ...conditions, mapKeys: ['type'] } },
  [`${core}.NodeSpec`]: { taints: atomic, podCIDRs: { strategy: 'merge', listType: 'set' } },
  [`${core}.NodeStatus`]: { conditions, addresses: { mergeKey: 'type', strategy: 'merge', listType: 'atomic' }, images: atomic, volumesAttached: atomic, volumesInUse: atomic },
  [`${core}.NamespaceStatus`]: { conditions },
  [`${core}.PersistentVolumeClaimStatus`]: { conditions },
  [`${core}.PersistentVolumeClaimSpec`]: { accessModes: atomic },
  [`${core}.EndpointSubset`]: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  [`${core}.Endpoints`]: { subsets: atomic },
  [`${core}.ServiceAccount`]: { secrets: { mergeKey: 'name', strategy: 'merge', listType: 'map', mapKeys: ['name'] }, imagePullSecrets: atomic },
  [`${apps}.DeploymentStatus`]: { conditions },
  [`${apps}.ReplicaSetStatus`]: { conditions },
  [`${apps}.StatefulSetStatus`]: { conditions },
  [`${apps}.DaemonSetStatus`]: { conditions },
  [`${apps}.StatefulSetSpec`]: { volumeClaimTemplates: atomic },
  ['io.k8s.api.batch.v1.JobStatus']: { conditions: { ...conditions, listType: 'atomic' } },
  ['io.k8s.api.batch.v1.CronJobStatus']: { active: atomic },
  ['io.k8s.api.policy.v1.PodDisruptionBudgetStatus']: { conditions },
  ['io.k8s.api.rbac.v1.ClusterRole']: { rules: atomic },
  ['io.k8s.api.rbac.v1.Role']: { rules: atomic },
  ['io.k8s.api.rbac.v1.RoleBinding']: { subjects: atomic },
  ['io.k8s.api.rbac.v1.ClusterRoleBinding']: { subjects: atomic },
  ['io.k8s.api.discovery.v1.EndpointSlice']: { endpoints: atomic, ports: atomic },
  ['io.k8s.api.networking.v1.IngressSpec']: { rules: atomic, tls: atomic },
  [`${core}.ReplicationControllerStatus`]: { conditions },
  ['io.k8s.api.certificates.v1.CertificateSigningRequestSpec']: { usages: atomic, groups: atomic },
  // (map-keyed for apply, but no patch strategy: a strategic patch replaces the list)
  ['io.k8s.api.certificates.v1.CertificateSigningRequestStatus']: { conditions: { listType: 'map', mapKeys: ['type'] } },
  ['io.k8s.api.node.v1.Scheduling']: { tolerations: atomic },
};

/** Struct fields whose strategic-merge strategy is retainKeys (a union's discriminated members). */
const RETAIN_KEYS: Record<string, string[]> = {
  [`${apps}.DeploymentSpec`]: ['strategy'],
  [`${apps}.DaemonSetSpec`]: ['updateStrategy'],
};

/** Struct-typed maps upstream marks atomic (`+mapType=atomic`). */
const ATOMIC_STRUCTS = [`${meta}.LabelSelector`, `${core}.NodeSelector`, `${core}.LocalObjectReference`, `${core}.ObjectReference`];

/** Adds the extensions to the definitions, in place. */
export function addExtensions(definitions: Map<string, Schema>): void {
  for (const [def, fields] of Object.entries(FIELD_EXTENSIONS)) {
    const props = definitions.get(def)?.properties;
    if (!props) continue;
    for (const [field, ext] of Object.entries(fields)) {
      const p = ownValue(props, field);
      if (!p) continue;
      if (ext.mergeKey) p['x-kubernetes-patch-merge-key'] = ext.mergeKey;
      if (ext.strategy) p['x-kubernetes-patch-strategy'] = ext.strategy;
      if (ext.listType) p['x-kubernetes-list-type'] = ext.listType;
      if (ext.mapKeys) p['x-kubernetes-list-map-keys'] = ext.mapKeys;
      if (ext.mapType) p['x-kubernetes-map-type'] = ext.mapType;
    }
  }
  for (const [def, fields] of Object.entries(RETAIN_KEYS)) {
    for (const field of fields) {
      const props = definitions.get(def)?.properties;
      const p = props && ownValue(props, field);
      if (p) p['x-kubernetes-patch-strategy'] = 'retainKeys';
    }
  }
  for (const def of ATOMIC_STRUCTS) {
    const schema = definitions.get(def);
    if (schema) schema['x-kubernetes-map-type'] = 'atomic';
  }
}
