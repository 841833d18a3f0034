// The apimachinery types whose JSON form is not their message shape: Time and MicroTime are
// RFC 3339 strings, Quantity its string, IntOrString a number or a string, RawExtension and
// FieldsV1 the JSON they carry.
export const TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
export const MICRO_TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime';
export const FIELDS_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';
export const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
export const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';

/**
 * Scalar fields that are pointers in the Go types, so that zero ("", 0, false) is a value the
 * client chose. Every other scalar is a plain Go field that gogo writes even when zero and
 * that JSON omits (omitempty): those zeros are dropped so that defaulting sees "unset".
 */
export const ZERO_IS_A_VALUE = new Set([
  'replicas', 'parallelism', 'completions', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes',
  'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'terminationGracePeriodSeconds', 'deletionGracePeriodSeconds',
  'gracePeriodSeconds', 'startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit',
  'revisionHistoryLimit', 'progressDeadlineSeconds', 'runAsUser', 'runAsGroup', 'fsGroup', 'defaultMode', 'mode',
  'priority', 'expirationSeconds', 'leaseDurationSeconds', 'leaseTransitions', 'automountServiceAccountToken',
  'enableServiceLinks', 'allocateLoadBalancerNodePorts', 'ready', 'serving', 'terminating', 'hostUsers',
  'allowPrivilegeEscalation', 'runAsNonRoot', 'privileged', 'readOnlyRootFilesystem', 'optional', 'suspend',
  'manualSelector', 'minReadySeconds', 'healthCheckNodePort', 'port', 'containerPort', 'count', 'partition',
  'maxUnavailable', 'maxSurge', 'ordinals', 'start', 'observedGeneration', 'exitCode', 'value',
]);

/** Go's time.Time as JSON: RFC 3339, whole seconds for Time, microseconds for MicroTime. */
export function formatTime(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

/** An RFC 3339 string as {seconds, nanos}; undefined when it does not parse. */
export function parseTime(text: string): { seconds: number; nanos: number } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

/**
 * Fields Go embeds with `json:",inline"`: their message's fields sit directly in the parent's
 * JSON object (a Volume's `emptyDir`, an IngressRule's `http`, a Probe's `exec`), while
 * protobuf nests them. Every `localObjectReference` is such an embedding too.
 */
const INLINE_FIELDS = new Set([
  'k8s.io.api.core.v1.Volume.volumeSource',
  'k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource',
  'k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon',
  'k8s.io.api.core.v1.Probe.handler',
  'k8s.io.api.networking.v1.IngressRule.ingressRuleValue',
]);

/** Whether `field` of message `typeName` (full name, no leading dot) is inlined in JSON. */
export function isInline(typeName: string, field: string): boolean {
  return field === 'localObjectReference' || INLINE_FIELDS.has(`${typeName}.${field}`);
}
