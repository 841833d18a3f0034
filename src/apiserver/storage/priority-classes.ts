// The system PriorityClasses (system-cluster-critical, system-node-critical), as upstream's
// priorityclass storage keeps them: created at start when absent, never deleted (that refusal
// is the PriorityClass strategy's, strategies/priority-classes.ts).
import { findResource } from '../../api/resources.js';
import { SYSTEM_PRIORITY_CLASSES } from '../../api/validation/priorityclass.js';
import type { Registry } from './registry.js';

const PRIORITY_CLASSES = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;

/** Creates the system PriorityClasses that are absent (upstream's scheduling post-start hook). Rejects with the registry's ApiError. */
export async function ensureSystemPriorityClasses(reg: Registry): Promise<void> {
  for (const c of SYSTEM_PRIORITY_CLASSES) {
    const obj = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: c.name }, value: c.value, description: c.description };
    await reg.create(PRIORITY_CLASSES, '', obj).catch((e) => { if (e?.code !== 409) throw e; });
  }
}
