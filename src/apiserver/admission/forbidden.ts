// The refusal every admission plugin answers with (upstream admission.NewForbidden): the
// apiserver's one 403 wording, naming the object the write is about.
import { forbiddenError } from '../status.js';
import type { AdmissionAttributes } from './types.js';

export function admissionForbidden(a: Pick<AdmissionAttributes, 'group' | 'resource' | 'name' | 'object'>, why: string) {
  // Before a create by generateName has its name, upstream names the object by its prefix.
  const name = a.name || a.object?.metadata?.name || a.object?.metadata?.generateName || '';
  return forbiddenError(a.resource, name, why, a.group);
}
