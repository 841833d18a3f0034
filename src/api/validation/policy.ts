// policy/v1 PodDisruptionBudget (upstream pkg/apis/policy/validation): minAvailable xor
// maxUnavailable, each an int or a percentage up to 100%.
import { type Errs, invalid, isOneOf, notSupported } from './field.js';
import { intOrPercent, labelSelector } from './common.js';
import { isObject, type JsonObject } from '../types.js';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

export function validatePodDisruptionBudget(errs: Errs, o: JsonObject): void {
  const s = o.spec;
  if (!isObject(s)) return;
  if (s.minAvailable != null && s.maxUnavailable != null) errs.push(invalid('spec', s, 'minAvailable and maxUnavailable cannot be both set'));
  intOrPercent(errs, 'spec.minAvailable', s.minAvailable);
  intOrPercent(errs, 'spec.maxUnavailable', s.maxUnavailable);
  labelSelector(errs, 'spec.selector', s.selector);
  if (s.unhealthyPodEvictionPolicy != null && !isOneOf(s.unhealthyPodEvictionPolicy, EVICTION_POLICIES)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', s.unhealthyPodEvictionPolicy, EVICTION_POLICIES));
  }
}
