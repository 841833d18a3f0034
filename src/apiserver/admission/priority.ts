// Priority (upstream plugin/pkg/admission/priority): a new pod's priority (and preemption
// policy) from the PriorityClass it names, or from the globalDefault class when it names
// none (mutating; 403 when the named class does not exist or the pod sets another value),
// and at most one globalDefault PriorityClass (validating, 403). Subresources are not its
// business. That the system classes cannot be deleted is the storage's (storage/priority-classes.ts).
import { findResource } from '../../api/resources.js';
import { isObject, type JsonObject } from '../../api/types.js';
import { numberOf, stringOf } from '../storage/fields.js';
import { admissionForbidden } from './forbidden.js';
import type { AdmissionAttributes, AdmissionPlugin, Obj, ObjectReader } from './types.js';

const PRIORITY_CLASSES = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;

export function priority(read: ObjectReader): AdmissionPlugin {
  async function podPriority(a: AdmissionAttributes, spec: JsonObject): Promise<void> {
    const name = spec.priorityClassName;
    let pc: Obj | undefined;
    if (typeof name === 'string' && name) {
      pc = await read.get(PRIORITY_CLASSES, '', name);
      if (!pc) throw admissionForbidden(a, `no PriorityClass with name ${name} was found`);
    } else {
      pc = (await read.list(PRIORITY_CLASSES, '')).filter((c) => c.globalDefault === true).sort((x, y) => (numberOf(x.value) ?? 0) - (numberOf(y.value) ?? 0))[0];
      if (pc?.metadata?.name !== undefined) spec.priorityClassName = pc.metadata.name;
    }
    if (!pc) return;
    const value = numberOf(pc.value) ?? 0;
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value && !(name === undefined && spec.priority === 0)) {
      throw admissionForbidden(a, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
    }
    spec.priority = value;
    const preemptionPolicy = stringOf(pc.preemptionPolicy);
    if (preemptionPolicy) spec.preemptionPolicy = preemptionPolicy;
  }

  return {
    name: 'Priority',
    async admit(a) {
      if (a.operation !== 'CREATE' || a.group !== '' || a.resource !== 'pods' || a.subresource) return;
      const spec = a.object?.spec;
      if (isObject(spec)) await podPriority(a, spec);
    },
    async validate(a) {
      if (a.group !== PRIORITY_CLASSES.group || a.resource !== 'priorityclasses' || a.subresource) return;
      const obj = a.object;
      if (a.operation === 'DELETE' || obj?.globalDefault !== true) return;
      const other = (await read.list(PRIORITY_CLASSES, '')).find((c) => c.globalDefault === true && c.metadata?.name !== obj.metadata?.name);
      if (other) throw admissionForbidden(a, `PriorityClass ${other.metadata?.name} is already marked as default. Only one default can exist`);
    },
  };
}
