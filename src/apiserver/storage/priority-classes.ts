// The system PriorityClasses (system-cluster-critical, system-node-critical), as upstream's
// priorityclass storage keeps them: created at start when absent, never deleted.
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { SYSTEM_PRIORITY_CLASSES } from '../../api/validation/priorityclass.js';
import { admissionForbidden } from '../admission/forbidden.js';
import type { Registry } from './registry.js';

const PRIORITY_CLASSES = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;

/** Throws ApiError 403 when `name` is a system PriorityClass (upstream's storage Delete, in its words). */
export function refuseSystemClassDelete(r: ResourceInfo, name: string): void {
  if (r.plural === 'priorityclasses' && SYSTEM_PRIORITY_CLASSES.some((c) => c.name === name)) {
    throw admissionForbidden({ group: r.group, resource: r.plural, name }, 'this is a system priority class and cannot be deleted');
  }
}

/** Creates the system PriorityClasses that are absent (upstream's scheduling post-start hook). Rejects with the registry's ApiError. */
export async function ensureSystemPriorityClasses(reg: Registry): Promise<void> {
  for (const c of SYSTEM_PRIORITY_CLASSES) {
    const obj = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: c.name }, value: c.value, description: c.description };
    await reg.create(PRIORITY_CLASSES, '', obj).catch((e) => { if (e?.code !== 409) throw e; });
  }
}
