// The `default` ServiceAccount of every namespace, as upstream's serviceaccount controller
// keeps it: made when a namespace appears (and for every namespace at start), never in one
// that is terminating. A deleted `default` account comes back at the next namespace event or
// restart (upstream also watches the accounts; skiff does not yet).
import { findResource } from '../../api/resources.js';
import type { Store } from '../../store/types.js';
import { ApiError } from '../status.js';
import { listPrefix } from '../storage/codec.js';
import type { Registry } from '../storage/registry.js';
import { isObject, type KubeObject } from '../../api/types.js';
import { mirrorPrefix } from './store-mirror.js';

const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;

export interface DefaultServiceAccounts {
  /** Resolves when every namespace present at start has been seen to. */
  ready: Promise<void>;
  /** Never rejects. */
  stop(): Promise<void>;
}

/** Starts the loop. Never throws; failures are logged (and retried at the next event or start). */
export function startDefaultServiceAccounts(store: Store, registry: Registry, log?: (msg: string) => void): DefaultServiceAccounts {
  const done = new Set<string>();
  const ensure = async (ns: KubeObject) => {
    const { name, uid, deletionTimestamp } = ns.metadata;
    const phase = isObject(ns.status) ? ns.status.phase : undefined;
    if (!name || deletionTimestamp || phase === 'Terminating') return;
    if (done.has(`${name}/${uid}`)) return;
    try {
      await registry.create(SERVICE_ACCOUNTS, name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    } catch (e) {
      // 409: it exists; 403/404: the namespace is going or gone.
      if (!(e instanceof ApiError && [403, 404, 409].includes(e.code))) throw e;
    }
    done.add(`${name}/${uid}`);
  };
  const mirror = mirrorPrefix(store, listPrefix(NAMESPACES, ''), {
    log,
    onChange: (_key, ns) => (ns ? ensure(ns) : undefined),
  });
  return { ready: mirror.ready, stop: () => mirror.stop() };
}
