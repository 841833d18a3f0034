// The ClusterRole aggregation controller, level-triggered: any change to any ClusterRole marks
// the whole set dirty, and one serialized worker recomputes every aggregated role from the
// lister and writes those whose rules differ (upstream enqueues every aggregated role on any
// change too). A failed write is retried with backoff. It reads a lister and writes through a
// narrow client, so a controller manager can run it later with its own informer.
import type { ClusterRole, PolicyRule } from '../../api/types.js';
import { aggregatedRules, sameRules } from './aggregate.js';

export interface ClusterRoleAggregationDeps {
  /** Every ClusterRole now (the informer's cache). */
  list(): ClusterRole[];
  /** Replaces the rules of ClusterRole `name` (upstream applies them as the manager `clusterrole-aggregation-controller`). */
  writeRules(name: string, rules: PolicyRule[]): Promise<void>;
  log?: (msg: string) => void;
  /** First retry delay after a failure, doubled up to 30 s; default 500 ms. */
  retryMs?: number;
}

export interface ClusterRoleAggregation {
  /** Call on every ClusterRole add, update and delete (and once the lister is filled). */
  changed(): void;
  /** Resolves when no pass is running or pending (tests and start-up wait on it). */
  idle(): Promise<void>;
  stop(): void;
}

export const FIELD_MANAGER = 'clusterrole-aggregation-controller';

export function clusterRoleAggregation(deps: ClusterRoleAggregationDeps): ClusterRoleAggregation {
  let dirty = false;
  let running: Promise<void> | undefined;
  let stopped = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  /**
   * One pass; false when some write failed. Sweeps until nothing changes, reading back what it
   * wrote, so a chain (view into edit into admin) settles in one pass rather than one per link
   * of the informer's echo. Each sweep fills at least one more role, so it ends.
   */
  async function reconcileAll(): Promise<boolean> {
    const all = deps.list().map((r) => ({ ...r }));
    let ok = true;
    for (let sweep = 0, changed = true; changed && sweep <= all.length; sweep++) {
      changed = false;
      for (const role of all) {
        const want = aggregatedRules(role, all);
        if (!want || sameRules(want, role.rules)) continue;
        try {
          await deps.writeRules(role.metadata.name ?? '', want);
          role.rules = want;
          changed = true;
        } catch (e) {
          ok = false;
          deps.log?.(`clusterrole aggregation: ${role.metadata?.name}: ${(e as Error).message}`);
        }
      }
    }
    return ok;
  }

  function kick(): void {
    if (stopped || running) return;
    running = (async () => {
      while (dirty && !stopped) {
        dirty = false;
        if (await reconcileAll()) failures = 0;
        else if (!stopped) {
          failures++;
          const delay = Math.min((deps.retryMs ?? 500) * 2 ** (failures - 1), 30_000);
          retry = setTimeout(() => { retry = undefined; changed(); }, delay);
        }
      }
    })().finally(() => { running = undefined; if (dirty) kick(); });
  }

  function changed(): void {
    dirty = true;
    kick();
  }

  return {
    changed,
    async idle() {
      while (running) await running;
    },
    stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
    },
  };
}
