// PriorityClasses (upstream pkg/registry/scheduling/priorityclass): the system classes are
// never deleted (their creation at start is ../priority-classes.ts).
import type { ResourceInfo } from '../../../api/resources.js';
import { SYSTEM_PRIORITY_CLASSES } from '../../../api/validation/priorityclass.js';
import { admissionForbidden } from '../../admission/forbidden.js';
import { genericStrategy } from './generic.js';
import type { ResourceStrategy } from './types.js';

export function priorityClassStrategy(r: ResourceInfo): ResourceStrategy {
  return {
    ...genericStrategy(r),
    checkDelete(name) {
      if (SYSTEM_PRIORITY_CLASSES.some((c) => c.name === name)) {
        throw admissionForbidden({ group: r.group, resource: r.plural, name }, 'this is a system priority class and cannot be deleted');
      }
    },
  };
}
