// LimitRanger (upstream plugin/pkg/admission/limitranger): the namespace's LimitRanges fill
// in a new pod's missing requests and limits (mutating), then bound pods on create and
// PersistentVolumeClaims on create and update (a resize past max is refused) by their min,
// max and maxLimitRequestRatio (validating, 403). Pods are not checked on update: their
// containers' resources cannot change. Subresources are not its business. The decisions
// are the pure functions of src/api/admission/limitranger.ts; this reads their inputs.
import { applyLimitRangeDefaults, podLimitProblems, pvcLimitProblems } from '../../api/admission/limitranger.js';
import { findResource } from '../../api/resources.js';
import { admissionForbidden } from './forbidden.js';
import type { AdmissionAttributes, AdmissionPlugin, ObjectReader } from './types.js';

const LIMIT_RANGES = findResource('', 'v1', 'limitranges')!;

// utilerrors.NewAggregate: one message alone, several in brackets.
const aggregate = (msgs: string[]) => (msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`);

const coreObject = (a: AdmissionAttributes, resource: string) => a.group === '' && a.resource === resource && !a.subresource && a.object !== undefined;

export function limitRanger(read: ObjectReader): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    async admit(a) {
      if (a.operation !== 'CREATE' || !coreObject(a, 'pods')) return;
      applyLimitRangeDefaults(a.object!, await read.list(LIMIT_RANGES, a.namespace));
    },
    async validate(a) {
      const pod = a.operation === 'CREATE' && coreObject(a, 'pods');
      const claim = (a.operation === 'CREATE' || a.operation === 'UPDATE') && coreObject(a, 'persistentvolumeclaims');
      if (!pod && !claim) return;
      const ranges = await read.list(LIMIT_RANGES, a.namespace);
      const problems = pod ? podLimitProblems(a.object!, ranges) : pvcLimitProblems(a.object!, ranges);
      if (problems.length) throw admissionForbidden(a, aggregate(problems));
    },
  };
}
