// RBAC policy as the authorizer reads it: Roles, RoleBindings, ClusterRoles and
// ClusterRoleBindings from a live mirror of the store (upstream reads informer caches too,
// so a new binding takes effect after its watch event, not within its own request).
import type { Store } from '../../store/types.js';
import { isObject } from '../../api/types.js';
import type { RbacObject, RbacSource } from '../auth/rbac.js';

export type { RbacObject } from '../auth/rbac.js';
import { mirrorPrefix, parseStored, type StoreMirror } from './store-mirror.js';

const PREFIX = '/registry/rbac.authorization.k8s.io/';


const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
// null is what Go decodes as absent: accepted wherever a field may be left out.
const absent = (v: unknown) => v === undefined || v === null;
const optionalStrings = (v: unknown) => absent(v) || strings(v);
const isRule = (r: unknown) => isObject(r) && optionalStrings(r.verbs)
  && [r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs].every(optionalStrings);
const isSubject = (s: unknown) => isObject(s) && typeof s.kind === 'string' && typeof s.name === 'string'
  && (absent(s.namespace) || typeof s.namespace === 'string');

/**
 * A stored RBAC object whose rules, subjects and roleRef have the types RBAC reads (validation
 * let nothing else in); one that does not is left out of the mirror, so it grants nothing.
 */
function rbacObject(value: Buffer): RbacObject | undefined {
  const o = parseStored(value);
  if (!o) return undefined;
  const { rules, subjects, roleRef } = o;
  const valid = (absent(rules) || (Array.isArray(rules) && rules.every(isRule)))
    && (absent(subjects) || (Array.isArray(subjects) && subjects.every(isSubject)))
    && (absent(roleRef) || (isObject(roleRef) && typeof roleRef.kind === 'string' && typeof roleRef.name === 'string'));
  return valid ? (o as RbacObject) : undefined;
}

export interface RbacCache extends RbacSource {
  /** Resolves once the first list is in. */
  ready: Promise<void>;
  /** Every ClusterRole now: a lister for the in-server controllers. */
  clusterRolesNow(): RbacObject[];
  /** Calls `listener` on every ClusterRole the mirror lists, adds, changes or deletes. */
  onClusterRoleChange(listener: () => void): void;
  /** Never rejects. */
  stop(): Promise<void>;
}

/** Starts mirroring the RBAC objects of `store`. Never throws; store failures are logged and retried. */
export function rbacCache(store: Store, log?: (msg: string) => void): RbacCache {
  const clusterRoleListeners: (() => void)[] = [];
  const mirror: StoreMirror<RbacObject> = mirrorPrefix(store, PREFIX, {
    log, project: rbacObject,
    onChange(key) {
      if (key.startsWith(`${PREFIX}clusterroles/`)) for (const listener of clusterRoleListeners) listener();
    },
  });
  // Keys: <PREFIX><plural>/<name> (cluster scope) or <PREFIX><plural>/<namespace>/<name>.
  const select = (plural: string, ns?: string): RbacObject[] => {
    const start = ns === undefined ? `${PREFIX}${plural}/` : `${PREFIX}${plural}/${ns}/`;
    const out: RbacObject[] = [];
    for (const [key, obj] of mirror.objects) if (key.startsWith(start)) out.push(obj);
    return out;
  };
  return {
    ready: mirror.ready,
    stop: () => mirror.stop(),
    role: async (ns, name) => mirror.objects.get(`${PREFIX}roles/${ns}/${name}`),
    roleBindings: async (ns) => select('rolebindings', ns),
    clusterRole: async (name) => mirror.objects.get(`${PREFIX}clusterroles/${name}`),
    clusterRolesNow: () => select('clusterroles'),
    onClusterRoleChange: (listener) => { clusterRoleListeners.push(listener); },
    clusterRoleBindings: async () => select('clusterrolebindings'),
  };
}
