// pods/eviction (policy/v1 Eviction): a delete that respects PodDisruptionBudgets, as
// `kubectl drain` and the node lifecycle use it. The budget's status (maintained by the
// disruption controller) says how many disruptions are allowed; an eviction spends one.
import { findResource, type ResourceInfo } from '../../api/resources.js';
import type { JsonObject } from '../../api/types.js';
import { selectorMatches } from '../../api/validation.js';
import { apiError, badRequest } from '../status.js';
import { deleteObject, type DeleteOptions } from './delete.js';
import { numberOf, section } from './fields.js';
import { timestamp } from './meta.js';
import type { Registry } from './registry.js';

const PDB = findResource('policy', 'v1', 'poddisruptionbudgets')!;

const tooManyRequests = (cause: string) => apiError(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.', {
  causes: [{ reason: 'DisruptionBudget', message: cause }],
});

/**
 * Evicts the pod: deletes it (with the eviction's deleteOptions) unless a budget forbids it.
 * Throws ApiError 404 (no pod), 400 (name mismatch), 429 (budget exhausted or not yet
 * processed), 500 (more than one budget selects the pod, which upstream refuses too).
 */
export async function evictPod(reg: Registry, r: ResourceInfo, ns: string, name: string, eviction: JsonObject): Promise<void> {
  const evictionName = section(eviction.metadata).name;
  if (evictionName !== undefined && evictionName !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  // Admitted as what it is, a create of pods/eviction (NodeRestriction: a kubelet evicts only its own pods).
  await reg.deps.hooks.admission.validate({ operation: 'CREATE', group: r.group, resource: r.plural, subresource: 'eviction', namespace: ns, name, object: eviction, dryRun: false });
  const pod = await reg.get(r, ns, name);
  // The body was checked against the Eviction type: deleteOptions is a DeleteOptions.
  const options = section(eviction.deleteOptions) as DeleteOptions;
  // Terminal, pending and already-deleting pods do not count against a budget (upstream's canIgnorePDB).
  const phase = section(pod.status).phase;
  if (!(phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp)) {
    const budgets = (await reg.list(PDB, ns, {})).items.filter((b) => {
      const selector = section(b.spec).selector;
      return selector && selectorMatches(selector, pod.metadata.labels ?? {});
    });
    if (budgets.length > 1) throw apiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    if (budgets[0]) await spendDisruption(reg, ns, budgets[0].metadata.name ?? '', name);
  }
  await deleteObject(reg, r, ns, name, options);
}

async function spendDisruption(reg: Registry, ns: string, budget: string, pod: string): Promise<void> {
  await reg.guaranteedUpdate(PDB, ns, budget, { subresource: 'status' }, (pdb) => {
    const status = section(pdb.status);
    if ((numberOf(status.observedGeneration) ?? 0) < (pdb.metadata.generation ?? 0)) {
      throw tooManyRequests(`The disruption budget ${budget} is still being processed by the server.`);
    }
    const allowed = numberOf(status.disruptionsAllowed) ?? 0;
    if (allowed <= 0) {
      throw tooManyRequests(`The disruption budget ${budget} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    }
    const disruptedPods = { ...section(status.disruptedPods), [pod]: timestamp(new Date(reg.deps.clock.now())) };
    return { ...pdb, status: { ...status, disruptionsAllowed: allowed - 1, disruptedPods } };
  }, 'Update');
}
