// A pod's quality-of-service class, as upstream's ComputePodQOS (pkg/apis/core/helper/qos)
// decides it at creation: only cpu and memory count, across containers and init containers
// (ephemeral ones declare no resources); zero quantities count as unset.
import { ownValue } from '../own-keys.js';
import { parseQuantity } from './validation/field.js';
import { isObject as isObj } from './types.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const COMPUTE = ['cpu', 'memory'];
// Milli-units as integers: sums of 0.1 and 0.2 CPUs must compare equal to 300m.
const milli = (q: unknown): number => Math.round((parseQuantity(q) ?? 0) * 1000);

/** The QoS class of a pod spec. Never throws: malformed resources count as absent. */
export function podQosClass(spec: unknown): QosClass {
  if (!isObj(spec)) return 'BestEffort';
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of containers) {
    const res = isObj(c) && isObj(c.resources) ? c.resources : {};
    const add = (into: Map<string, number>, list: unknown, found?: Set<string>) => {
      if (!isObj(list)) return;
      for (const name of COMPUTE) {
        const v = milli(ownValue(list, name));
        if (v <= 0) continue;
        into.set(name, (into.get(name) ?? 0) + v);
        found?.add(name);
      }
    };
    add(requests, res.requests);
    const found = new Set<string>();
    add(limits, res.limits, found);
    if (!COMPUTE.every((n) => found.has(n))) guaranteed = false;
  }
  if (!requests.size && !limits.size) return 'BestEffort';
  if (guaranteed) for (const [name, v] of requests) if (limits.get(name) !== v) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
