// LimitRanger (upstream plugin/pkg/admission/limitranger): the namespace's LimitRanges fill
// in a new pod's missing requests and limits (mutating), then bound pods on create and
// PersistentVolumeClaims on create and update (a resize past max is refused) by their min,
// max and maxLimitRequestRatio (validating, 403). Pods are not checked on update: their
// containers' resources cannot change. Subresources are not its business. The decisions
// are the pure functions of src/api/admission/limitranger.ts; this reads their inputs.
import { applyLimitRangeDefaults, podLimitProblems, pvcLimitProblems, type LimitRangeLike } from '../../api/admission/limitranger.js';
import type { JsonObject } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { admissionForbidden } from './forbidden.js';
import type { AdmissionAttributes, AdmissionPlugin, ObjectReader } from './types.js';

const LIMIT_RANGES = findResource('', 'v1', 'limitranges')!;

// utilerrors.NewAggregate: one message alone, several in brackets.
const aggregate = (msgs: string[]) => (msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`);

// The admission object is a decoded JSON body, and stored LimitRanges passed validation: the
// pure functions' JSON types hold for both.
const body = (a: AdmissionAttributes) => a.object as JsonObject;
const limitRanges = async (read: ObjectReader, namespace: string) => (await read.list(LIMIT_RANGES, namespace)) as LimitRangeLike[];

const coreObject = (a: AdmissionAttributes, resource: string) => a.group === '' && a.resource === resource && !a.subresource && a.object !== undefined;

export function limitRanger(read: ObjectReader): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    async admit(a) {
      if (a.operation !== 'CREATE' || !coreObject(a, 'pods')) return;
      applyLimitRangeDefaults(body(a), await limitRanges(read, a.namespace));
    },
    async validate(a) {
      const pod = a.operation === 'CREATE' && coreObject(a, 'pods');
      const claim = (a.operation === 'CREATE' || a.operation === 'UPDATE') && coreObject(a, 'persistentvolumeclaims');
      if (!pod && !claim) return;
      const ranges = await limitRanges(read, a.namespace);
      const problems = pod ? podLimitProblems(body(a), ranges) : pvcLimitProblems(body(a), ranges);
      if (problems.length) throw admissionForbidden(a, aggregate(problems));
    },
  };
}
