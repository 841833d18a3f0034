// What every namespace holds from its start: the `default` ServiceAccount (upstream's
// serviceaccount controller) and the kube-root-ca.crt ConfigMap with the cluster CA that the
// kube-api-access volume of every pod projects (upstream's root-ca-cert-publisher). Made when a
// namespace appears (and for every namespace at start), never in one that is terminating. A
// deleted one comes back at the next namespace event or restart (upstream also watches the
// accounts and ConfigMaps; skiff does not yet).
import { findResource } from '../../api/resources.js';
import type { Store } from '../../store/types.js';
import { ApiError } from '../status.js';
import { listPrefix } from '../storage/codec.js';
import type { Registry } from '../storage/registry.js';
import { isObject, type KubeObject } from '../../api/types.js';
import { mirrorPrefix } from './store-mirror.js';

const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const CONFIG_MAPS = findResource('', 'v1', 'configmaps')!;
const ROOT_CA_DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface DefaultServiceAccounts {
  /** Resolves when every namespace present at start has been seen to. */
  ready: Promise<void>;
  /** Never rejects. */
  stop(): Promise<void>;
  /** Namespaces it remembers having seen to: only live ones, so it shrinks as they go. */
  readonly remembered: number;
}

/** The objects made in each namespace: the default account, and the CA ConfigMap when rootCa (PEM) is known. */
function namespaceObjects(rootCa?: string): [typeof SERVICE_ACCOUNTS, KubeObject][] {
  return [
    [SERVICE_ACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }],
    ...(rootCa ? [[CONFIG_MAPS, {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } }, data: { 'ca.crt': rootCa },
    }] as [typeof CONFIG_MAPS, KubeObject]] : []),
  ];
}

/** Starts the loop. Never throws; failures are logged (and retried at the next event or start). */
export function startDefaultServiceAccounts(store: Store, registry: Registry, log?: (msg: string) => void, rootCa?: string): DefaultServiceAccounts {
  const objects = namespaceObjects(rootCa);
  // The uid of the namespace each name was seen to in, forgotten when the namespace goes
  // (it was a Set of every namespace ever seen: a cluster that makes and deletes namespaces
  // all day, as CI does, grew it forever).
  const done = new Map<string, string | undefined>();
  const prefix = listPrefix(NAMESPACES, '');
  const ensure = async (ns: KubeObject) => {
    const { name, uid, deletionTimestamp } = ns.metadata;
    const phase = isObject(ns.status) ? ns.status.phase : undefined;
    if (!name) return;
    if (deletionTimestamp || phase === 'Terminating') {
      done.delete(name);
      return;
    }
    if (done.has(name) && done.get(name) === uid) return;
    for (const [resource, obj] of objects) {
      try {
        await registry.create(resource, name, structuredClone(obj));
      } catch (e) {
        // 409: it exists; 403/404: the namespace is going or gone.
        if (!(e instanceof ApiError && [403, 404, 409].includes(e.code))) throw e;
      }
    }
    done.set(name, uid);
  };
  const mirror = mirrorPrefix(store, prefix, {
    log,
    onChange: (key, ns) => (ns ? ensure(ns) : void done.delete(key.slice(prefix.length))),
  });
  return { ready: mirror.ready, stop: () => mirror.stop(), get remembered() { return done.size; } };
}
