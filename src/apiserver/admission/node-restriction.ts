// NodeRestriction admission (upstream plugin/pkg/admission/noderestriction): what the Node
// authorizer lets every kubelet do, narrowed to its own objects.
//   pods            create: only mirror pods bound to itself, owned by its Node, referring to
//                   no ServiceAccount, Secret, ConfigMap, claim or ClusterTrustBundle;
//                   delete: only pods bound to itself; status: only of pods bound to itself,
//                   labels unchanged
//   nodes           only its own; no restricted labels (node-restriction.kubernetes.io/, and
//                   kubernetes.io / k8s.io ones outside the kubelet's set) added, changed or
//                   removed; taints unchanged on update; no configSource
//   pvcs            status only, and nothing but status.capacity/conditions
//   serviceaccounts tokens only bound to a pod (with uid) running on itself
//   leases, csinodes  only its own (leases in kube-node-lease)
import { isObject, type Json } from '../../api/types.js';
import { ownValue } from '../../own-keys.js';
import { section } from '../storage/fields.js';
import { nodeIdentity } from '../auth/node/authorizer.js';
import { notFound } from '../status.js';
import { podConfigMapNames, podSecretNames } from '../auth/node/pod-references.js';
import { requestersOnly } from './chain.js';
import { admissionForbidden as forbidden } from './forbidden.js';
import type { AdmissionPlugin, Obj, RequestAttributes } from './types.js';

export interface NodeRestrictionDeps {
  /** The stored object, read live (undefined when absent). */
  get(resource: 'nodes' | 'pods', namespace: string, name: string): Promise<Obj | undefined>;
}

const MIRROR = 'kubernetes.io/config.mirror';
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type',
  'kubernetes.io/os', 'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const within = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);
const isKubeletLabel = (key: string) => KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some((d) => within(labelNamespace(key), d));
const isKubernetesLabel = (key: string) => ['kubernetes.io', 'k8s.io'].some((d) => within(labelNamespace(key), d));

/** Labels a node may not add, change or remove on itself, sorted (upstream getForbiddenLabels). */
export function forbiddenNodeLabels(labels: Readonly<Record<string, string>> | undefined, old: Readonly<Record<string, string>> | undefined): string[] {
  const a = labels ?? {};
  const b = old ?? {};
  const modified = new Set<string>();
  for (const k of Object.keys(a)) if (!Object.hasOwn(b, k) || ownValue(a, k) !== ownValue(b, k)) modified.add(k);
  for (const k of Object.keys(b)) if (!Object.hasOwn(a, k)) modified.add(k);
  return [...modified].filter((k) => within(labelNamespace(k), 'node-restriction.kubernetes.io') || (isKubernetesLabel(k) && !isKubeletLabel(k))).sort();
}

const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);

export function nodeRestriction(deps: NodeRestrictionDeps): AdmissionPlugin {
  async function podCreate(node: string, a: RequestAttributes, pod: Obj): Promise<void> {
    if (!Object.hasOwn(pod.metadata?.annotations ?? {}, MIRROR)) throw forbidden(a, `pod does not have "${MIRROR}" annotation, node "${node}" can only create mirror pods`);
    const spec = section(pod.spec);
    if (spec.nodeName !== node) throw forbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
    const owners = Array.isArray(pod.metadata?.ownerReferences) ? pod.metadata.ownerReferences : [];
    if (owners.length > 1) throw forbidden(a, `node "${node}" can only create pods with a single owner reference set to itself`);
    const owner = owners[0];
    if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) throw forbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
    if (owner.controller !== true) throw forbidden(a, `node "${node}" can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion === true) throw forbidden(a, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
    const nodeObj = await deps.get('nodes', '', node);
    if (!nodeObj) throw notFound('nodes', node);
    if (owner.uid !== nodeObj.metadata?.uid) throw forbidden(a, `node ${node} UID mismatch: expected ${owner.uid} got ${nodeObj.metadata?.uid}`);
    if (spec.serviceAccountName) throw forbidden(a, `node "${node}" can not create pods that reference a service account`);
    if (podSecretNames(pod).size) throw forbidden(a, `node "${node}" can not create pods that reference secrets`);
    if (podConfigMapNames(pod).size) throw forbidden(a, `node "${node}" can not create pods that reference configmaps`);
    const volumes = (Array.isArray(spec.volumes) ? spec.volumes : []).map(section);
    const sources = (v: Json) => {
      const list = section(section(v).projected).sources;
      return Array.isArray(list) ? list : [];
    };
    if (volumes.some((v) => sources(v).some((s) => section(s).clusterTrustBundle))) throw forbidden(a, `node "${node}" can not create pods that reference clustertrustbundles`);
    if (volumes.some((v) => v.persistentVolumeClaim)) throw forbidden(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
  }

  function admitPod(node: string, a: RequestAttributes): Promise<void> | void {
    switch (a.subresource) {
      case '':
        if (a.operation === 'CREATE') return podCreate(node, a, a.object!);
        if (a.operation === 'DELETE') {
          if (section(a.oldObject?.spec).nodeName !== node) throw forbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
          return;
        }
        throw forbidden(a, `unexpected operation "${a.operation}", node "${node}" can only create and delete mirror pods`);
      case 'eviction':
        if (a.operation !== 'CREATE') throw forbidden(a, `unexpected operation ${a.operation}`);
        return deps.get('pods', a.namespace, a.name).then((pod) => {
          if (!pod) throw notFound('pods', a.name);
          if (section(pod.spec).nodeName !== node) throw forbidden(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
        });
      case 'status':
        if (section(a.oldObject?.spec).nodeName !== node) throw forbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        if (!same(a.oldObject?.metadata?.labels, a.object?.metadata?.labels)) throw forbidden(a, `node "${node}" cannot update labels through pod status`);
        return;
      default:
        throw forbidden(a, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
    }
  }

  function admitNode(node: string, a: RequestAttributes): void {
    if (a.operation === 'DELETE') return; // RBAC decides (the node rules hold no delete)
    if (a.name !== node) throw forbidden(a, `node "${node}" is not allowed to modify node "${a.name}"`);
    const obj: Obj = a.object ?? {};
    const spec = section(obj.spec);
    if (a.operation === 'CREATE') {
      if (spec.configSource) throw forbidden(a, `node "${node}" is not allowed to create pods with a non-nil configSource`);
      const bad = forbiddenNodeLabels(obj.metadata?.labels, undefined);
      if (bad.length) throw forbidden(a, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
      return;
    }
    const old: Obj = a.oldObject ?? {};
    const oldSpec = section(old.spec);
    if (spec.configSource && !same(spec.configSource, oldSpec.configSource)) throw forbidden(a, `node "${node}" is not allowed to update configSource to a new non-nil configSource`);
    if (!same(spec.taints, oldSpec.taints)) throw forbidden(a, `node "${node}" is not allowed to modify taints`);
    const bad = forbiddenNodeLabels(obj.metadata?.labels, old.metadata?.labels);
    if (bad.length) throw forbidden(a, `is not allowed to modify labels: ${bad.join(', ')}`);
  }

  function admitClaimStatus(node: string, a: RequestAttributes): void {
    if (a.subresource !== 'status') throw forbidden(a, 'may only update PVC status');
    if (a.operation !== 'UPDATE') throw forbidden(a, `unexpected operation "${a.operation}"`);
    const strip = (o: Obj | undefined) => {
      const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o?.metadata ?? {};
      const { capacity: _c, conditions: _cd, allocatedResources: _ar, allocatedResourceStatuses: _ars, ...status } = section(o?.status);
      return { ...o, metadata, status };
    };
    if (!same(strip(a.object), strip(a.oldObject))) throw forbidden(a, `node "${node}" is not allowed to update fields other than status.capacity and status.conditions`);
  }

  async function admitToken(a: RequestAttributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
    const bound = section(a.object?.spec).boundObjectRef;
    const ref = isObject(bound) ? bound : undefined;
    if (!ref || typeof ref.name !== 'string' || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw forbidden(a, 'node requested token not bound to a pod');
    if (!ref.uid) throw forbidden(a, 'node requested token with a pod binding without a uid');
    const pod = await deps.get('pods', a.namespace, ref.name);
    if (!pod) throw notFound('pods', ref.name);
    if (ref.uid !== pod.metadata?.uid) throw forbidden(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    const node = nodeIdentity(a.user);
    if (section(pod.spec).nodeName !== node) throw forbidden(a, 'node requested token bound to a pod scheduled on a different node');
  }

  async function validate(a: RequestAttributes): Promise<void> {
    const node = nodeIdentity(a.user);
    if (node === undefined) return;
    if (!node) throw forbidden(a, `could not determine node from user "${a.user.name}"`);
    const core = a.group === '';
    if (core && a.resource === 'pods') return admitPod(node, a);
    if (core && a.resource === 'nodes') return admitNode(node, a);
    if (core && a.resource === 'persistentvolumeclaims') return admitClaimStatus(node, a);
    if (core && a.resource === 'serviceaccounts') return admitToken(a);
    const own = a.operation === 'CREATE' ? a.object?.metadata?.name : a.name;
    if (a.group === 'coordination.k8s.io' && a.resource === 'leases') {
      if (a.namespace !== 'kube-node-lease') throw forbidden(a, 'can only access leases in the "kube-node-lease" system namespace');
      if (own !== node) throw forbidden(a, 'can only access node lease with the same name as the requesting node');
    }
    if (a.group === 'storage.k8s.io' && a.resource === 'csinodes' && own !== node) throw forbidden(a, 'can only access CSINode with the same name as the requesting node');
  }

  return requestersOnly({ name: 'NodeRestriction', validate });
}
