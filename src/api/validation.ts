// Validation of the built-in kinds, as upstream's pkg/apis/*/validation: object metadata,
// per-kind specs, and the fields that are immutable on update. Returns the causes for a
// 422 Invalid (apiserver/status.ts `invalid`); an empty list means valid.
import { dns1035Problems, type Errs, type FieldCause, immutable, invalid, isInt, labelProblems, labelValueProblems, isOneOf, type Keys, type Values, notSupported, pathSegmentProblems, qualifiedNameProblems, required, subdomainProblems, forbidden, duplicate } from './validation/field.js';
import { validatePodSpec, validatePodSpecUpdate, validPort } from './validation/pod.js';
import { validateIngress, validateNetworkPolicy } from './validation/networking.js';
import { finalizerProblems, validateConfigMap, validateNamespace, validateSecret } from './validation/core.js';
import { validatePodDisruptionBudget } from './validation/policy.js';
import { validateBinding, validateRole } from './validation/rbac.js';
import { validateWorkload } from './validation/workload.js';
import { validateCronJob } from './validation/cronjob.js';
import { validatePodTemplate, validateReplicationController } from './validation/replication.js';
import { validateRuntimeClass } from './validation/node.js';
import { validatePriorityClass } from './validation/priorityclass.js';
import { validateCertificateSigningRequest } from './validation/certificates.js';
import { validateCoreEvent, validateEventsV1Event } from './validation/events.js';
import { isObject, type Gvk, type JsonObject, type ObjectMeta, type ServicePort, type ServiceSpec } from './types.js';

export { selectorMatches } from './validation/workload.js';

const NAME_RULES = new Map<string, (v: string) => string[]>(Object.entries({
  '/Namespace': labelProblems,
  '/Service': dns1035Problems,
  'rbac.authorization.k8s.io/Role': pathSegmentProblems,
  'rbac.authorization.k8s.io/RoleBinding': pathSegmentProblems,
  'rbac.authorization.k8s.io/ClusterRole': pathSegmentProblems,
  'rbac.authorization.k8s.io/ClusterRoleBinding': pathSegmentProblems,
  // "We don't care what you call your certificate requests" beyond the generic path check.
  'certificates.k8s.io/CertificateSigningRequest': pathSegmentProblems,
  // Events are named after their object plus a suffix; upstream checks them as subdomains too.
}));


function validateMeta(errs: Errs, gvk: Gvk, meta: unknown): void {
  if (!isObject(meta)) return void errs.push(required('metadata'));
  const rule = NAME_RULES.get(`${gvk.group}/${gvk.kind}`) ?? subdomainProblems;
  if (!meta.name && !meta.generateName) errs.push(required('metadata.name', 'name or generateName is required'));
  if (typeof meta.name === 'string' && meta.name) for (const m of rule(meta.name)) errs.push(invalid('metadata.name', meta.name, m));
  if (typeof meta.generateName === 'string' && meta.generateName && !meta.name) {
    // A generated name gets a 5-character suffix; the prefix is checked with one appended.
    for (const m of rule(`${meta.generateName}a`)) errs.push(invalid('metadata.generateName', meta.generateName, m));
  }
  if (isObject(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) {
      for (const m of qualifiedNameProblems(k)) errs.push(invalid('metadata.labels', k, m));
      if (typeof v !== 'string') errs.push(invalid(`metadata.labels`, v, 'label values must be strings'));
      else for (const m of labelValueProblems(v)) errs.push(invalid('metadata.labels', v, m));
    }
  }
  if (Array.isArray(meta.finalizers)) {
    for (const f of meta.finalizers) for (const m of finalizerProblems(String(f), false)) errs.push(invalid('metadata.finalizers', f, m));
  }
  if (isObject(meta.annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(meta.annotations)) {
      for (const m of qualifiedNameProblems(k.toLowerCase())) errs.push(invalid('metadata.annotations', k, m));
      // Bytes, as upstream counts them: 140,000 'é' are 280,000 bytes, not 140,000.
      size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
    }
    if (size > 256 * 1024) errs.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${256 * 1024} bytes`, field: 'metadata.annotations' });
  }
}

function validateMetaUpdate(errs: Errs, meta: unknown, old: unknown): void {
  if (!isObject(meta) || !isObject(old)) return;
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const satisfies Keys<ObjectMeta>) {
    if (old[f] !== undefined && meta[f] !== undefined && meta[f] !== old[f]) errs.push(immutable(`metadata.${f}`, meta[f]));
  }
}

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] satisfies Values<ServiceSpec['type']>;
const AFFINITY = ['ClientIP', 'None'] satisfies Values<ServiceSpec['sessionAffinity']>;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] satisfies Values<ServicePort['protocol']>;

function validateService(errs: Errs, o: JsonObject, old?: JsonObject): void {
  const s = o.spec;
  if (!isObject(s)) return void errs.push(required('spec'));
  if (s.type !== undefined && !isOneOf(s.type, SERVICE_TYPES)) errs.push(notSupported('spec.type', s.type, SERVICE_TYPES));
  if (s.sessionAffinity !== undefined && !isOneOf(s.sessionAffinity, AFFINITY)) errs.push(notSupported('spec.sessionAffinity', s.sessionAffinity, AFFINITY));
  const headless = s.clusterIP === 'None';
  if (s.type === 'ExternalName') {
    if (!s.externalName) errs.push(required('spec.externalName'));
  } else if (!Array.isArray(s.ports) || s.ports.length === 0) {
    if (!headless) errs.push(required('spec.ports'));
  }
  const names = new Set<string>();
  const ports = s.ports;
  if (Array.isArray(ports)) {
    ports.forEach((p, i) => {
      const f = `spec.ports[${i}]`;
      if (!isObject(p)) return;
      if (ports.length > 1 && !p.name) errs.push(required(`${f}.name`));
      if (typeof p.name === 'string' && p.name) {
        for (const m of labelProblems(p.name)) errs.push(invalid(`${f}.name`, p.name, m));
        if (names.has(p.name)) errs.push(duplicate(`${f}.name`, p.name));
        names.add(p.name);
      }
      validPort(errs, `${f}.port`, p.port);
      if (p.protocol !== undefined && !isOneOf(p.protocol, PROTOCOLS)) errs.push(notSupported(`${f}.protocol`, p.protocol, PROTOCOLS));
      if (isInt(p.targetPort)) validPort(errs, `${f}.targetPort`, p.targetPort);
      if (p.nodePort !== undefined && p.nodePort !== 0) {
        if (s.type !== 'NodePort' && s.type !== 'LoadBalancer') errs.push(forbidden(`${f}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
        else validPort(errs, `${f}.nodePort`, p.nodePort);
      }
    });
  }
  if (isObject(s.selector)) for (const [k, v] of Object.entries(s.selector)) {
    for (const m of qualifiedNameProblems(k)) errs.push(invalid('spec.selector', k, m));
    if (typeof v === 'string') for (const m of labelValueProblems(v)) errs.push(invalid('spec.selector', v, m));
  }
  if (old && isObject(old.spec) && old.spec.type !== 'ExternalName' && s.type !== 'ExternalName') {
    if (old.spec.clusterIP && s.clusterIP !== undefined && s.clusterIP !== '' && s.clusterIP !== old.spec.clusterIP) errs.push(immutable('spec.clusterIP', s.clusterIP));
  }
}

type Validator = (errs: Errs, o: JsonObject, old?: JsonObject) => void;

const VALIDATORS = new Map<string, Validator>(Object.entries({
  '/v1/Pod': (errs, o, old) => {
    validatePodSpec(errs, 'spec', o.spec);
    if (old) validatePodSpecUpdate(errs, o.spec, old.spec);
  },
  '/v1/Service': validateService,
  '/v1/ReplicationController': validateReplicationController,
  '/v1/PodTemplate': validatePodTemplate,
  '/v1/Event': validateCoreEvent,
  'events.k8s.io/v1/Event': validateEventsV1Event,
  'node.k8s.io/v1/RuntimeClass': validateRuntimeClass,
  'scheduling.k8s.io/v1/PriorityClass': validatePriorityClass,
  'certificates.k8s.io/v1/CertificateSigningRequest': validateCertificateSigningRequest,
  '/v1/ConfigMap': validateConfigMap,
  '/v1/Secret': validateSecret,
  '/v1/Namespace': validateNamespace,
  'apps/v1/Deployment': (errs, o, old) => validateWorkload(errs, 'Deployment', o, old, ['Always']),
  'apps/v1/ReplicaSet': (errs, o, old) => validateWorkload(errs, 'ReplicaSet', o, old, ['Always']),
  'apps/v1/StatefulSet': (errs, o, old) => validateWorkload(errs, 'StatefulSet', o, old, ['Always']),
  'apps/v1/DaemonSet': (errs, o, old) => validateWorkload(errs, 'DaemonSet', o, old, ['Always']),
  'batch/v1/Job': (errs, o, old) => validateWorkload(errs, 'Job', o, old, ['OnFailure', 'Never']),
  'batch/v1/CronJob': validateCronJob,
  'networking.k8s.io/v1/Ingress': validateIngress,
  'networking.k8s.io/v1/NetworkPolicy': validateNetworkPolicy,
  'rbac.authorization.k8s.io/v1/Role': (errs, o) => validateRole(errs, o, true),
  'rbac.authorization.k8s.io/v1/ClusterRole': (errs, o) => validateRole(errs, o, false),
  'rbac.authorization.k8s.io/v1/RoleBinding': (errs, o, old) => validateBinding(errs, o, old, true),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (errs, o, old) => validateBinding(errs, o, old, false),
  'policy/v1/PodDisruptionBudget': validatePodDisruptionBudget,
} satisfies Record<string, Validator>));

/**
 * The causes that make `obj` (of kind gvk) invalid, as upstream words them, or [] when valid.
 * `old` is the stored object on update: immutable fields are then checked against it.
 * Never throws; a non-object body yields one cause for the whole object.
 */
export function validateObject(gvk: Gvk, obj: unknown, old?: unknown): FieldCause[] {
  const errs: Errs = [];
  if (!isObject(obj)) return [invalid('', obj, 'must be an object')];
  validateMeta(errs, gvk, obj.metadata);
  const prev = isObject(old) ? old : undefined;
  if (prev) validateMetaUpdate(errs, obj.metadata, prev.metadata);
  VALIDATORS.get(`${gvk.group}/${gvk.version}/${gvk.kind}`)?.(errs, obj, prev);
  return errs;
}
