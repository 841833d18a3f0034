// scheduling.k8s.io/v1 PriorityClass (upstream pkg/apis/scheduling/validation): the
// `system-` prefix is reserved for the two built-in classes with their exact values, user
// classes stay at or below one billion, and value and preemptionPolicy never change.
import { type Errs, forbidden, immutable, isInt, isOneOf, notSupported, required, typeInvalid } from './field.js';
import { isObject, type JsonObject } from '../types.js';

const HIGHEST_USER_PRIORITY = 1_000_000_000;
/** The classes every cluster has (upstream SystemPriorityClasses), created at start. */
export const SYSTEM_PRIORITY_CLASSES: readonly { name: string; value: number; description: string }[] = [
  { name: 'system-node-critical', value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];
const POLICIES = ['PreemptLowerPriority', 'Never'];

function systemClassProblem(name: string, value: unknown, globalDefault: unknown): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (value !== known.value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault === true) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function validatePriorityClass(errs: Errs, o: JsonObject, old?: JsonObject): void {
  const name = isObject(o.metadata) && typeof o.metadata.name === 'string' ? o.metadata.name : '';
  const value = o.value ?? 0;
  if (!isInt(value) || value < -2147483648 || value > 2147483647) errs.push(typeInvalid('value', value, 'must be a 32-bit integer'));
  if (name.startsWith('system-')) {
    const problem = systemClassProblem(name, value, o.globalDefault);
    if (problem) errs.push(forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${problem}`));
  } else if (isInt(value) && value > HIGHEST_USER_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  if (o.preemptionPolicy === '') errs.push(required('preemptionPolicy'));
  else if (o.preemptionPolicy != null && !isOneOf(o.preemptionPolicy, POLICIES)) errs.push(notSupported('preemptionPolicy', o.preemptionPolicy, POLICIES));
  if (!old) return;
  if ((o.value ?? 0) !== (old.value ?? 0)) errs.push(forbidden('value', 'may not be changed in an update.'));
  if (o.preemptionPolicy !== old.preemptionPolicy) errs.push(immutable('preemptionPolicy', o.preemptionPolicy));
}
