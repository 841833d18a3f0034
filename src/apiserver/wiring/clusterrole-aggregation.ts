// The ClusterRole aggregation controller inside the server, until a controller manager runs
// it: the RBAC cache's mirror of ClusterRoles (the one the authorizer reads) is its lister,
// the registry its client (writes as the server itself, so no admission: upstream's
// controller holds escalate on clusterroles too).
import { findResource } from '../../api/resources.js';
import type { ClusterRole } from '../../api/types.js';
import { clusterRoleAggregation, FIELD_MANAGER } from '../../controllers/clusterrole-aggregation/controller.js';
import type { Registry } from '../storage/registry.js';
import type { RbacCache } from './rbac-source.js';

const CLUSTER_ROLES = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;

export interface RunningAggregation {
  /** Resolves once the RBAC cache is filled and the first pass is done. */
  ready: Promise<void>;
  /** Stops the controller; the RBAC cache is its owner's to stop. */
  stop(): Promise<void>;
}

/** Never throws; store failures are retried by the RBAC cache's mirror, write failures by the controller. */
export function startClusterRoleAggregation(rbac: Pick<RbacCache, 'ready' | 'clusterRolesNow' | 'onClusterRoleChange'>, registry: Registry, log?: (msg: string) => void): RunningAggregation {
  let notify = () => {};
  rbac.onClusterRoleChange(() => notify());
  const controller = clusterRoleAggregation({
    // The mirror holds ClusterRoles as stored, i.e. validated.
    list: () => rbac.clusterRolesNow() as ClusterRole[],
    async writeRules(name, rules) {
      await registry.guaranteedUpdate(CLUSTER_ROLES, '', name, { fieldManager: FIELD_MANAGER },
        // A role that lost its aggregationRule meanwhile is no longer ours to fill.
        (current) => (current.aggregationRule ? { ...current, rules } : current), 'Update');
    },
    log,
  });
  const ready = rbac.ready.then(async () => {
    notify = () => controller.changed();
    controller.changed();
    await controller.idle();
  });
  return {
    ready,
    async stop() {
      controller.stop();
    },
  };
}
