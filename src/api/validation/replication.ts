// core/v1 ReplicationController and PodTemplate, as upstream's ValidateReplicationController
// and ValidatePodTemplate word them. An RC's selector is a plain label map (not a
// LabelSelector) that must select its template; its pods restart Always.
import { type Errs, forbidden, invalid, type Keys, notSupported, required } from './field.js';
import { labelMap, nonNegative } from './common.js';
import { validatePodSpec } from './pod.js';
import { isObject, type JsonObject, type ReplicationControllerStatus } from '../types.js';
import { ownValue } from '../../own-keys.js';

const templateLabels = (t: JsonObject): JsonObject => (isObject(t.metadata) && isObject(t.metadata.labels) ? t.metadata.labels : {});

export function validateReplicationController(errs: Errs, o: JsonObject): void {
  validateStatus(errs, o.status);
  const s = o.spec;
  if (!isObject(s)) return void errs.push(required('spec'));
  nonNegative(errs, 'spec.replicas', s.replicas);
  nonNegative(errs, 'spec.minReadySeconds', s.minReadySeconds);
  const selector = isObject(s.selector) ? s.selector : {};
  if (!Object.keys(selector).length) errs.push(required('spec.selector'));
  else labelMap(errs, 'spec.selector', selector);
  const t = s.template;
  if (!isObject(t)) return void errs.push(required('spec.template'));
  const labels = templateLabels(t);
  if (Object.keys(selector).length && !Object.entries(selector).every(([k, v]) => ownValue(labels, k) === v)) {
    errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  labelMap(errs, 'spec.template.metadata.labels', labels);
  validatePodSpec(errs, 'spec.template.spec', t.spec);
  if (isObject(t.spec) && t.spec.restartPolicy !== undefined && t.spec.restartPolicy !== 'Always') {
    errs.push(notSupported('spec.template.spec.restartPolicy', t.spec.restartPolicy, ['Always']));
  }
  if (isObject(t.spec) && t.spec.activeDeadlineSeconds != null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
}

/** status counts: non-negative, and each no larger than the one it is part of (ValidateReplicationControllerStatus). */
function validateStatus(errs: Errs, st: unknown): void {
  if (!isObject(st)) return;
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const satisfies Keys<ReplicationControllerStatus>) nonNegative(errs, `status.${f}`, st[f]);
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  if (n(st.fullyLabeledReplicas) > n(st.replicas)) errs.push(invalid('status.fullyLabeledReplicas', st.fullyLabeledReplicas, 'cannot be greater than status.replicas'));
  if (n(st.readyReplicas) > n(st.replicas)) errs.push(invalid('status.readyReplicas', st.readyReplicas, 'cannot be greater than status.replicas'));
  if (n(st.availableReplicas) > n(st.replicas)) errs.push(invalid('status.availableReplicas', st.availableReplicas, 'cannot be greater than status.replicas'));
  if (n(st.availableReplicas) > n(st.readyReplicas)) errs.push(invalid('status.availableReplicas', st.availableReplicas, 'cannot be greater than readyReplicas'));
}

export function validatePodTemplate(errs: Errs, o: JsonObject): void {
  const t = o.template;
  if (!isObject(t)) return void errs.push(required('template'));
  labelMap(errs, 'template.metadata.labels', templateLabels(t));
  validatePodSpec(errs, 'template.spec', t.spec);
}
