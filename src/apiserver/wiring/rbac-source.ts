// RBAC policy as the authorizer reads it: Roles, RoleBindings, ClusterRoles and
// ClusterRoleBindings from a live mirror of the store (upstream reads informer caches too,
// so a new binding takes effect after its watch event, not within its own request).
import type { Store } from '../../store/types.js';
import type { RbacSource } from '../auth/index.js';
import { mirrorPrefix, type Obj, type StoreMirror } from './store-mirror.js';

const PREFIX = '/registry/rbac.authorization.k8s.io/';

export interface RbacCache extends RbacSource {
  /** Resolves once the first list is in. */
  ready: Promise<void>;
  /** Every ClusterRole now: a lister for the in-server controllers. */
  clusterRolesNow(): Obj[];
  /** Calls `listener` on every ClusterRole the mirror lists, adds, changes or deletes. */
  onClusterRoleChange(listener: () => void): void;
  /** Never rejects. */
  stop(): Promise<void>;
}

/** Starts mirroring the RBAC objects of `store`. Never throws; store failures are logged and retried. */
export function rbacCache(store: Store, log?: (msg: string) => void): RbacCache {
  const clusterRoleListeners: (() => void)[] = [];
  const mirror: StoreMirror = mirrorPrefix(store, PREFIX, {
    log,
    onChange(key) {
      if (key.startsWith(`${PREFIX}clusterroles/`)) for (const listener of clusterRoleListeners) listener();
    },
  });
  // Keys: <PREFIX><plural>/<name> (cluster scope) or <PREFIX><plural>/<namespace>/<name>.
  const select = (plural: string, ns?: string): Obj[] => {
    const start = ns === undefined ? `${PREFIX}${plural}/` : `${PREFIX}${plural}/${ns}/`;
    const out: Obj[] = [];
    for (const [key, obj] of mirror.objects) if (key.startsWith(start)) out.push(obj);
    return out;
  };
  return {
    ready: mirror.ready,
    stop: () => mirror.stop(),
    roles: async (ns) => select('roles', ns),
    roleBindings: async (ns) => select('rolebindings', ns),
    clusterRoles: async () => select('clusterroles'),
    clusterRolesNow: () => select('clusterroles'),
    onClusterRoleChange: (listener) => { clusterRoleListeners.push(listener); },
    clusterRoleBindings: async () => select('clusterrolebindings'),
  };
}
