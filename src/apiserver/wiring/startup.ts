// What the apiserver makes sure of before it serves (upstream's post-start hooks): the
// default RBAC policy, the Service allocation bitmaps rebuilt from the Services that exist,
// and the `kubernetes` Service in `default` with its Endpoints and EndpointSlice pointing at
// this server.
import { isIP } from 'node:net';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { isObject, type JsonObject, type KubeObject } from '../../api/types.js';
import type { Store } from '../../store/types.js';
import type { ServiceAllocator } from '../alloc/index.js';
import { bootstrapRbac } from '../auth/index.js';
import { ApiError } from '../status.js';
import { listPrefix } from '../storage/codec.js';
import type { Registry } from '../storage/registry.js';
import { parseStored } from './store-mirror.js';

const resource = (group: string, version: string, plural: string): ResourceInfo => {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`resource ${plural}.${group}/${version} is not served`);
  return r;
};

const isConflict = (e: unknown) => e instanceof ApiError && e.code === 409;

/**
 * Creates each default ClusterRole/ClusterRoleBinding that is absent; existing ones are left as
 * they are, but for one migration (below). Rejects with the registry's ApiError.
 */
export async function ensureBootstrapRbac(registry: Registry): Promise<void> {
  for (const obj of bootstrapRbac()) {
    const r = resource('rbac.authorization.k8s.io', 'v1', obj.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings');
    await registry.create(r, '', obj).catch((e) => { if (!isConflict(e)) throw e; });
  }
  // Before the Node authorizer, skiff bound system:node to the group system:nodes, which would
  // now give every kubelet every Secret past the Node authorizer. A binding still marked for
  // auto-update loses that subject (others added by hand stay).
  const crbs = resource('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings');
  const legacy = (s: unknown) => isObject(s) && s.kind === 'Group' && s.name === 'system:nodes';
  await registry.guaranteedUpdate(crbs, '', 'system:node', {}, (b) => {
    const subjects: unknown[] = Array.isArray(b.subjects) ? b.subjects : [];
    if (b.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'] !== 'true' || !subjects.some(legacy)) return b;
    return { ...b, subjects: subjects.filter((s) => !legacy(s)) };
  }, 'Update').catch((e) => { if (!(e instanceof ApiError && e.code === 404)) throw e; });
}

/** Rebuilds the allocation bitmaps from every stored Service; returns the problems found. Rejects when the store does. */
export async function repairServiceAllocations(store: Store, allocator: ServiceAllocator): Promise<string[]> {
  const services: KubeObject[] = [];
  const prefix = listPrefix(resource('', 'v1', 'services'), '');
  for (let after: string | undefined, revision: number | undefined; ;) {
    const page = await store.list(prefix, { limit: 1000, after, revision });
    for (const kv of page.items) {
      const svc = parseStored(kv.value);
      if (!svc) throw new Error(`${kv.key}: not a stored object`);
      services.push(svc);
    }
    if (!page.remaining || !page.items.length) break;
    after = page.items.at(-1)!.key;
    revision = page.revision;
  }
  return (await allocator.repair(services)).problems;
}

export interface KubernetesServiceTarget {
  clusterIP: string;
  /** The address this server listens on; a name or wildcard is advertised as 127.0.0.1. */
  host: string;
  port: number;
}

/**
 * Creates or corrects the `kubernetes` Service (443 → this server), its Endpoints and its
 * EndpointSlice, as upstream's kubernetes-service controller does at start. Rejects with
 * the registry's ApiError (422 if the ClusterIP is taken by another Service).
 */
export async function ensureKubernetesService(registry: Registry, target: KubernetesServiceTarget): Promise<void> {
  const ip = isIP(target.host) === 4 && target.host !== '0.0.0.0' ? target.host : '127.0.0.1';
  const port = { name: 'https', port: target.port, protocol: 'TCP' };
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  const services = resource('', 'v1', 'services');
  const service = {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default', labels },
    spec: { type: 'ClusterIP', clusterIP: target.clusterIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: target.port }], sessionAffinity: 'None' },
  };
  await upsert(registry, services, service, (old) => {
    const spec = objectAt(old.spec);
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    return objectAt(ports[0]).targetPort === target.port ? undefined : { ...old, spec: { ...spec, ports: service.spec.ports } };
  });
  const endpoints = {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip }], ports: [port] }],
  };
  await upsert(registry, resource('', 'v1', 'endpoints'), endpoints, (old) => sameJson(old.subsets, endpoints.subsets) ? undefined : { ...old, subsets: endpoints.subsets });
  const slice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'skiff-apiserver' } },
    addressType: 'IPv4', endpoints: [{ addresses: [ip], conditions: { ready: true } }], ports: [port],
  };
  await upsert(registry, resource('discovery.k8s.io', 'v1', 'endpointslices'), slice, (old) => sameJson(old.endpoints, slice.endpoints) && sameJson(old.ports, slice.ports)
    ? undefined
    : { ...old, endpoints: slice.endpoints, ports: slice.ports });
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const objectAt = (v: unknown): JsonObject => (isObject(v) ? v : {});

/** Creates `obj` when absent, else writes fix(old) unless that is undefined (already right). */
async function upsert(registry: Registry, r: ResourceInfo, obj: KubeObject, fix: (old: JsonObject) => JsonObject | undefined): Promise<void> {
  const ns = obj.metadata.namespace ?? '';
  const name = obj.metadata.name ?? '';
  // Read first: a create of the Service would try to allocate the ClusterIP it already holds.
  // (stored objects are decoded JSON: the KubeObject read is a JSON object)
  const old = await registry.get(r, ns, name).then((o) => o as JsonObject, (e: unknown) => {
    if (e instanceof ApiError && e.code === 404) return undefined;
    throw e;
  });
  if (!old) {
    await registry.create(r, ns, structuredClone(obj));
    return;
  }
  const next = fix(old);
  if (next) await registry.update(r, ns, name, next);
}
