// The refusal every admission plugin answers with (upstream admission.NewForbidden):
// `<resource>[.<group>] "<name>" is forbidden: <why>`, 403, the name left out when unknown.
import { apiError } from '../status.js';
import type { AdmissionAttributes } from './types.js';

export function admissionForbidden(a: Pick<AdmissionAttributes, 'group' | 'resource' | 'name' | 'object'>, why: string) {
  // Before a create by generateName has its name, upstream names the object by its prefix.
  const name = a.name || a.object?.metadata?.name || a.object?.metadata?.generateName || '';
  const resource = a.group ? `${a.resource}.${a.group}` : a.resource;
  return apiError(403, 'Forbidden', `${resource}${name ? ` "${name}"` : ''} is forbidden: ${why}`, { ...(name ? { name } : {}), group: a.group, kind: a.resource });
}
