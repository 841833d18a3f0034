// The ClusterRole aggregation controller inside the server, until a controller manager runs
// it: a store mirror of ClusterRoles is its lister, the registry its client (writes as the
// server itself, so no admission: upstream's controller holds escalate on clusterroles too).
import { findResource } from '../../api/resources.js';
import { clusterRoleAggregation, FIELD_MANAGER } from '../../controllers/clusterrole-aggregation/controller.js';
import type { Store } from '../../store/types.js';
import { resourcePrefix } from '../storage/codec.js';
import type { Registry } from '../storage/registry.js';
import { mirrorPrefix } from './store-mirror.js';

const CLUSTER_ROLES = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;

export interface RunningAggregation {
  /** Resolves once the mirror is filled and the first pass is done. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** Never throws; store failures are logged and retried by the mirror, write failures by the controller. */
export function startClusterRoleAggregation(store: Store, registry: Registry, log?: (msg: string) => void): RunningAggregation {
  let notify = () => {};
  const mirror = mirrorPrefix(store, resourcePrefix(CLUSTER_ROLES), { log, onChange: () => notify() });
  const controller = clusterRoleAggregation({
    list: () => [...mirror.objects.values()],
    async writeRules(name, rules) {
      await registry.guaranteedUpdate(CLUSTER_ROLES, '', name, { fieldManager: FIELD_MANAGER },
        // A role that lost its aggregationRule meanwhile is no longer ours to fill.
        (current) => (current.aggregationRule ? { ...current, rules } : current), 'Update');
    },
    log,
  });
  const ready = mirror.ready.then(async () => {
    notify = () => controller.changed();
    controller.changed();
    await controller.idle();
  });
  return {
    ready,
    async stop() {
      controller.stop();
      await mirror.stop();
    },
  };
}
