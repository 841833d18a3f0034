// Discovery documents from the served-resources table: /api, /apis, /apis/<g>, the
// per-group-version APIResourceLists, and the aggregated form (apidiscovery.k8s.io v2) that
// kubectl 1.32 asks for first. Built once: the table does not change while serving.
import { RESOURCES, groupVersion, type ResourceInfo } from '../api/resources.js';
import type { Gvk, JsonObject } from '../api/types.js';

const MAIN_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS = new Map<string, string[]>([
  ['status', ['get', 'patch', 'update']], ['approval', ['get', 'patch', 'update']], ['scale', ['get', 'patch', 'update']], ['ephemeralcontainers', ['get', 'patch', 'update']],
  ['binding', ['create']], ['eviction', ['create']], ['token', ['create']], ['log', ['get']], ['finalize', ['update']],
  ['exec', ['create', 'get']], ['attach', ['create', 'get']], ['portforward', ['create', 'get']],
  ['proxy', ['create', 'delete', 'get', 'patch', 'update']],
]);
const SUB_KIND = new Map<string, Gvk>([
  ['scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' }],
  ['binding', { group: '', version: 'v1', kind: 'Binding' }],
  ['eviction', { group: 'policy', version: 'v1', kind: 'Eviction' }],
  ['token', { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }],
  ['exec', { group: '', version: 'v1', kind: 'PodExecOptions' }],
  ['attach', { group: '', version: 'v1', kind: 'PodAttachOptions' }],
  ['portforward', { group: '', version: 'v1', kind: 'PodPortForwardOptions' }],
  ['proxy', { group: '', version: 'v1', kind: 'PodProxyOptions' }],
  ['log', { group: '', version: 'v1', kind: 'Pod' }],
]);

const subKind = (r: ResourceInfo, sub: string): Gvk => SUB_KIND.get(sub) ?? { group: r.group, version: r.version, kind: r.kind };
const subVerbs = (sub: string) => SUB_VERBS.get(sub) ?? ['get'];

/** The group/versions served, in a stable order (core first, then upstream's group order). */
export function groupVersions(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const r of RESOURCES) {
    let g = out.find((x) => x.group === r.group);
    if (!g) out.push(g = { group: r.group, versions: [] });
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}

export function apiVersions(serverAddress: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string, versions: string[]): JsonObject {
  const gvs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: gvs, ...(gvs[0] ? { preferredVersion: gvs[0] } : {}) };
}

export function apiGroupList(): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupVersions().filter((g) => g.group).map((g) => apiGroup(g.group, g.versions)) };
}

/** The APIGroup for `group`, undefined when not served. */
export function apiGroupFor(group: string): JsonObject | undefined {
  const g = groupVersions().find((x) => x.group === group && group);
  return g && apiGroup(g.group, g.versions);
}

/** The APIResourceList of a group/version, undefined when not served. */
export function apiResourceList(group: string, version: string): JsonObject | undefined {
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  const resources: JsonObject[] = [];
  for (const r of rs) {
    resources.push({
      name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs ?? MAIN_VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}), ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources ?? []) {
      const k = subKind(r, sub);
      resources.push({
        name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced, kind: k.kind, verbs: subVerbs(sub),
        ...(k.group !== r.group || k.version !== r.version ? { group: k.group, version: k.version } : {}),
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}

/** Aggregated discovery for /api (core) or /apis (named groups), apidiscovery.k8s.io/`v`. */
export function aggregatedDiscovery(which: 'api' | 'apis', v: string): JsonObject {
  const items = groupVersions().filter((g) => (which === 'api' ? !g.group : Boolean(g.group))).map((g) => ({
    metadata: { name: g.group, creationTimestamp: null },
    versions: g.versions.map((version) => ({
      version,
      freshness: 'Current',
      resources: RESOURCES.filter((r) => r.group === g.group && r.version === version).map((r) => ({
        resource: r.plural,
        responseKind: { group: r.group, version: r.version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singular,
        verbs: r.verbs ?? MAIN_VERBS,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
        ...(r.subresources?.length ? {
          subresources: r.subresources.map((sub) => ({ subresource: sub, responseKind: { ...subKind(r, sub) }, verbs: subVerbs(sub) })),
        } : {}),
      })),
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}`, metadata: {}, items };
}
