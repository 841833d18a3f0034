// Defaulting of the built-in kinds, as upstream's versioned defaulters (pkg/apis/*/v1/defaults.go
// and the generated SetObjectDefaults_* that recurse into nested types) leave an object, plus
// the values create-time strategies and admission add that every user sees (namespace
// finalizer, pod priority). Pure: the apiserver calls it before validation.
import { defaultPodSpec, defaultPodTemplate, dflt, dfltObject, eachObject as each, objectAt } from './defaults/pod.js';
import { defaultLimitRange } from './admission/limitranger.js';
import { setOwn } from '../own-keys.js';
import { isObject as isObj, type Gvk, type Json, type JsonObject } from './types.js';

export { pullPolicyFor } from './defaults/pod.js';

// The body as sent (defaulting precedes validation): JSON of any shape, narrowed as it is read.
type Defaulter = (o: JsonObject) => void;

const tcp = (ports: Json | undefined) => each(ports, (p) => dflt(p, 'protocol', 'TCP'));

function service(o: JsonObject): void {
  const s = o.spec;
  if (!isObj(s)) return;
  dflt(s, 'type', 'ClusterIP');
  dflt(s, 'sessionAffinity', 'None');
  if (s.sessionAffinity === 'ClientIP') {
    const config = dfltObject(s, 'sessionAffinityConfig');
    const clientIP = config && dfltObject(config, 'clientIP');
    if (clientIP) dflt(clientIP, 'timeoutSeconds', 10800);
  }
  each(s.ports, (p) => {
    dflt(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') {
      if (p.port === undefined) delete p.targetPort;
      else p.targetPort = p.port;
    }
  });
  if (s.type === 'ExternalName') return;
  dflt(s, 'internalTrafficPolicy', 'Cluster');
  if (s.type === 'NodePort' || s.type === 'LoadBalancer') dflt(s, 'externalTrafficPolicy', 'Cluster');
  if (s.type === 'LoadBalancer') dflt(s, 'allocateLoadBalancerNodePorts', true);
  // The registry settles families on create: single-stack IPv4 on our clusters.
  dflt(s, 'ipFamilyPolicy', 'SingleStack');
  dflt(s, 'ipFamilies', ['IPv4']);
  if (typeof s.clusterIP === 'string' && s.clusterIP !== '') dflt(s, 'clusterIPs', [s.clusterIP]);
}

function deployment(o: JsonObject): void {
  const s = o.spec;
  if (!isObj(s)) return;
  dflt(s, 'replicas', 1);
  const strategy = dfltObject(s, 'strategy');
  if (strategy) dflt(strategy, 'type', 'RollingUpdate');
  const rollingUpdate = strategy?.type === 'RollingUpdate' ? dfltObject(strategy, 'rollingUpdate') : undefined;
  if (rollingUpdate) {
    dflt(rollingUpdate, 'maxUnavailable', '25%');
    dflt(rollingUpdate, 'maxSurge', '25%');
  }
  dflt(s, 'revisionHistoryLimit', 10);
  dflt(s, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(s.template);
}

function replicaSet(o: JsonObject): void {
  if (!isObj(o.spec)) return;
  dflt(o.spec, 'replicas', 1);
  defaultPodTemplate(o.spec.template);
}

function statefulSet(o: JsonObject): void {
  const s = o.spec;
  if (!isObj(s)) return;
  dflt(s, 'replicas', 1);
  dflt(s, 'podManagementPolicy', 'OrderedReady');
  const strategy = dfltObject(s, 'updateStrategy');
  if (strategy) dflt(strategy, 'type', 'RollingUpdate');
  const rollingUpdate = strategy?.type === 'RollingUpdate' ? dfltObject(strategy, 'rollingUpdate') : undefined;
  if (rollingUpdate) dflt(rollingUpdate, 'partition', 0);
  dflt(s, 'revisionHistoryLimit', 10);
  const retention = dfltObject(s, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    dflt(retention, 'whenDeleted', 'Retain');
    dflt(retention, 'whenScaled', 'Retain');
  }
  each(s.volumeClaimTemplates, (pvc) => isObj(pvc.spec) && dflt(pvc.spec, 'volumeMode', 'Filesystem'));
  defaultPodTemplate(s.template);
}

function daemonSet(o: JsonObject): void {
  const s = o.spec;
  if (!isObj(s)) return;
  const strategy = dfltObject(s, 'updateStrategy');
  if (strategy) dflt(strategy, 'type', 'RollingUpdate');
  const rollingUpdate = strategy?.type === 'RollingUpdate' ? dfltObject(strategy, 'rollingUpdate') : undefined;
  if (rollingUpdate) {
    dflt(rollingUpdate, 'maxUnavailable', 1);
    dflt(rollingUpdate, 'maxSurge', 0);
  }
  dflt(s, 'revisionHistoryLimit', 10);
  defaultPodTemplate(s.template);
}

function jobSpec(s: Json | undefined): void {
  if (!isObj(s)) return;
  if (s.completions == null && s.parallelism == null) {
    s.completions = 1;
    s.parallelism = 1;
  }
  dflt(s, 'parallelism', 1);
  dflt(s, 'completionMode', 'NonIndexed');
  dflt(s, 'backoffLimit', s.backoffLimitPerIndex != null ? 2147483647 : 6);
  dflt(s, 'suspend', false);
  dflt(s, 'podReplacementPolicy', s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
  if (isObj(s.podFailurePolicy)) each(s.podFailurePolicy.rules, (r) => each(r.onPodConditions, (c) => dflt(c, 'status', 'True')));
  defaultPodTemplate(s.template);
}

function cronJob(o: JsonObject): void {
  const s = o.spec;
  if (!isObj(s)) return;
  dflt(s, 'concurrencyPolicy', 'Allow');
  dflt(s, 'suspend', false);
  dflt(s, 'successfulJobsHistoryLimit', 3);
  dflt(s, 'failedJobsHistoryLimit', 1);
  // Only the pod template is defaulted inside a job template (upstream's generated defaulter).
  if (isObj(s.jobTemplate) && isObj(s.jobTemplate.spec)) defaultPodTemplate(s.jobTemplate.spec.template);
}

function namespace(o: JsonObject): void {
  if (isObj(o.metadata) && typeof o.metadata.name === 'string') {
    const labels = dfltObject(o.metadata, 'labels');
    if (labels) labels['kubernetes.io/metadata.name'] = o.metadata.name;
  }
  const spec = dfltObject(o, 'spec');
  if (spec) dflt(spec, 'finalizers', ['kubernetes']);
  const status = dfltObject(o, 'status');
  if (status) dflt(status, 'phase', 'Active');
}

function persistentVolume(o: JsonObject): void {
  if (!isObj(o.spec)) return;
  dflt(o.spec, 'persistentVolumeReclaimPolicy', 'Retain');
  dflt(o.spec, 'volumeMode', 'Filesystem');
  const status = dfltObject(o, 'status');
  if (status) dflt(status, 'phase', 'Pending');
}

function networkPolicy(o: JsonObject): void {
  const s = o.spec;
  if (!isObj(s)) return;
  each(s.ingress, (r) => tcp(r.ports));
  each(s.egress, (r) => tcp(r.ports));
  if (s.policyTypes == null || (Array.isArray(s.policyTypes) && s.policyTypes.length === 0)) {
    s.policyTypes = Array.isArray(s.egress) && s.egress.length ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

// An empty apiGroup counts as unset (upstream checks len() == 0).
function binding(o: JsonObject): void {
  if (isObj(o.roleRef) && !o.roleRef.apiGroup) o.roleRef.apiGroup = 'rbac.authorization.k8s.io';
  each(o.subjects, (s) => {
    if (s.kind === 'ServiceAccount') dflt(s, 'apiGroup', '');
    else if ((s.kind === 'User' || s.kind === 'Group') && !s.apiGroup) s.apiGroup = 'rbac.authorization.k8s.io';
  });
}

/** An RC without a selector selects its template's labels, and takes them as its own when it has none. */
function replicationController(o: JsonObject): void {
  const s = o.spec;
  if (!isObj(s)) return;
  dflt(s, 'replicas', 1);
  const labels = isObj(s.template) && isObj(s.template.metadata) && isObj(s.template.metadata.labels) ? s.template.metadata.labels : undefined;
  if (labels && Object.keys(labels).length) {
    if (!isObj(s.selector) || !Object.keys(s.selector).length) s.selector = { ...labels };
    if (isObj(o.metadata) && (!isObj(o.metadata.labels) || !Object.keys(o.metadata.labels).length)) o.metadata.labels = { ...labels };
  }
  defaultPodTemplate(s.template);
}

/** stringData is write-only: upstream's conversion folds it into data, where it wins over the same key. */
function secret(o: JsonObject): void {
  dflt(o, 'type', 'Opaque');
  const stringData = objectAt(o, 'stringData');
  if (!stringData) return;
  const entries = Object.entries(stringData).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length !== Object.keys(stringData).length) return;
  const data = isObj(o.data) ? o.data : (o.data = {});
  for (const [k, v] of entries) setOwn(data, k, Buffer.from(v, 'utf8').toString('base64'));
  delete o.stringData;
}

const DEFAULTERS = new Map<string, Defaulter>(Object.entries({
  '/v1/Pod': (o) => defaultPodSpec(o.spec),
  '/v1/PodTemplate': (o) => defaultPodTemplate(o.template),
  '/v1/ReplicationController': replicationController,
  '/v1/Service': service,
  '/v1/Namespace': namespace,
  '/v1/Secret': secret,
  '/v1/Endpoints': (o) => each(o.subsets, (s) => tcp(s.ports)),
  '/v1/PersistentVolumeClaim': (o) => isObj(o.spec) && dflt(o.spec, 'volumeMode', 'Filesystem'),
  '/v1/PersistentVolume': persistentVolume,
  '/v1/LimitRange': defaultLimitRange,
  'apps/v1/Deployment': deployment,
  'apps/v1/ReplicaSet': replicaSet,
  'apps/v1/StatefulSet': statefulSet,
  'apps/v1/DaemonSet': daemonSet,
  'batch/v1/Job': (o) => jobSpec(o.spec),
  'batch/v1/CronJob': cronJob,
  'discovery.k8s.io/v1/EndpointSlice': (o) => tcp(o.ports),
  'networking.k8s.io/v1/NetworkPolicy': networkPolicy,
  'rbac.authorization.k8s.io/v1/RoleBinding': binding,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': binding,
  'scheduling.k8s.io/v1/PriorityClass': (o) => dflt(o, 'preemptionPolicy', 'PreemptLowerPriority'),
} satisfies Record<string, Defaulter>));

/**
 * Fills in the defaults of a built-in kind in place, as upstream's defaulters do. Kinds
 * without defaults are left alone. Never throws: fields of the wrong shape are skipped and
 * left for validateObject to report.
 */
export function defaultObject(gvk: Gvk, obj: unknown): void {
  if (!isObj(obj)) return;
  DEFAULTERS.get(`${gvk.group}/${gvk.version}/${gvk.kind}`)?.(obj);
}
