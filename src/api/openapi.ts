// The OpenAPI documents the apiserver serves: /openapi/v2 (swagger 2.0) and /openapi/v3
// (an index, then one OpenAPI 3.0 document per group/version). Built once from the
// kubernetes-models definitions plus our extension table, then cached: pure after that.
import { createHash } from 'node:crypto';
import { addExtensions } from './openapi/extensions.js';
import { gvkKey, models, type Schema } from './openapi/models.js';
import { listName, resourcePaths, type Operation, type Parameter, type PathItem, type Verb } from './openapi/paths.js';
import { groupVersion, RESOURCES, type ResourceInfo } from './resources.js';
import { isObject, type Gvk } from './types.js';

const INFO = { title: 'Kubernetes', version: 'v1.32.0' };
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
// Served by every group/version besides its kinds: errors, delete bodies, watch frames.
const ALWAYS = [`${META}.Status`, `${META}.DeleteOptions`, `${META}.WatchEvent`, `${META}.APIResourceList`, `${META}.Patch`];

let definitions: ReadonlyMap<string, Schema> | undefined;

/** Every definition, with the x-kubernetes-* extensions. Throws if kubernetes-models is missing. */
export function schemaDefinitions(): ReadonlyMap<string, Schema> {
  if (!definitions) {
    const copy = structuredClone(models().definitions) as Map<string, Schema>;
    addExtensions(copy);
    definitions = copy;
  }
  return definitions;
}

/** The definition name of a served kind (io.k8s.api.core.v1.Pod), if the models have it. */
export function definitionFor(gvk: Gvk): string | undefined {
  return models().byGvk.get(gvkKey(gvk));
}

const defOf = (r: ResourceInfo) => definitionFor(r);

/** The names reachable from roots through $ref, roots included. */
function closure(roots: string[], defs: ReadonlyMap<string, Schema>): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    const def = defs.get(name);
    if (seen.has(name) || !def) return;
    seen.add(name);
    walkRefs(def, visit);
  };
  roots.forEach(visit);
  return [...seen].sort();
}

function walkRefs(node: unknown, visit: (name: string) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walkRefs(n, visit));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') visit(v.slice(v.lastIndexOf('/') + 1));
      else walkRefs(v, visit);
    }
  }
}

function rootsOf(resources: readonly ResourceInfo[]): string[] {
  const kinds = resources.map(defOf).filter((d): d is string => !!d);
  return [...kinds, ...kinds.map(listName), ...ALWAYS];
}

let v2: object | undefined;

/** The swagger 2.0 document of every served kind (GET /openapi/v2). */
export function openapiV2(): object {
  if (v2) return v2;
  const defs = schemaDefinitions();
  const picked = Object.fromEntries(closure(rootsOf(RESOURCES), defs).map((n) => [n, defs.get(n)]));
  v2 = { swagger: '2.0', info: INFO, paths: resourcePaths(RESOURCES, defOf, (n) => `#/definitions/${n}`), definitions: picked, securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } }, security: [{ BearerToken: [] }] };
  return v2;
}

/** 'v1' | 'api/v1' → 'api/v1'; 'apps/v1' | 'apis/apps/v1' → 'apis/apps/v1'. */
function v3Path(gv: string): string {
  const bare = gv.replace(/^\/+/, '').replace(/^openapi\/v3\//, '');
  if (bare.startsWith('api/') || bare.startsWith('apis/')) return bare;
  return bare.includes('/') ? `apis/${bare}` : `api/${bare}`;
}

const gvPaths = () => [...new Set(RESOURCES.map((r) => v3Path(groupVersion(r))))];

const v3Docs = new Map<string, { doc: object; hash: string }>();

function v3Entry(path: string): { doc: object; hash: string } | undefined {
  const hit = v3Docs.get(path);
  if (hit) return hit;
  const resources = RESOURCES.filter((r) => v3Path(groupVersion(r)) === path);
  if (!resources.length) return undefined;
  const defs = schemaDefinitions();
  const schemas = Object.fromEntries(closure(rootsOf(resources), defs).map((n) => [n, toV3Schema(defs.get(n))]));
  const paths = toV3Paths(resourcePaths(resources, defOf, (n) => `#/components/schemas/${n}`));
  const doc = { openapi: '3.0.0', info: INFO, paths, components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } } }, security: [{ BearerToken: [] }] };
  // Upstream's hash: uppercase hex SHA-512 of the served JSON; kubectl caches by it.
  const entry = { doc, hash: createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase() };
  v3Docs.set(path, entry);
  return entry;
}

/** GET /openapi/v3: one entry per served group/version with its document's URL and hash. */
export function openapiV3Index(): object {
  const paths = gvPaths().map((p) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${v3Entry(p)!.hash}` }] as const);
  return { paths: Object.fromEntries(paths) };
}

/** GET /openapi/v3/<path>: accepts 'apis/apps/v1' or 'apps/v1', 'api/v1' or 'v1'; undefined if not served. */
export function openapiV3(groupVersion: string): object | undefined {
  return v3Entry(v3Path(groupVersion))?.doc;
}

/** v2 → v3 schema: refs move to components, and a described ref is wrapped in allOf (as upstream does, so siblings of $ref are kept). */
function toV3Schema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toV3Schema);
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/definitions/', '#/components/schemas/') : toV3Schema(v)]),
  );
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { ...rest, allOf: [{ $ref }] };
  }
  return out;
}

// Body parameters become the operation's requestBody; the others carry their type in a schema.
function toV3Param(p: Parameter): object | undefined {
  if (p.in === 'body') return undefined;
  const { type, ...rest } = p;
  return { ...rest, schema: { type } };
}

function toV3Operation(op: Operation): object {
  const { consumes, produces, schemes: _schemes, parameters, responses, ...rest } = op;
  const body = parameters.find((p) => p.in === 'body');
  return {
    ...rest,
    parameters: parameters.map(toV3Param).filter(Boolean),
    ...(body ? { requestBody: { content: Object.fromEntries(consumes.map((c) => [c, { schema: body.schema }])), required: true } } : {}),
    responses: {
      '200': { description: 'OK', content: Object.fromEntries(produces.map((c) => [c, { schema: responses['200'].schema }])) },
      '401': { description: 'Unauthorized' },
    },
  };
}

const VERBS: readonly Verb[] = ['get', 'post', 'put', 'patch', 'delete'];

function toV3Paths(paths: Record<string, PathItem>): Record<string, object> {
  return Object.fromEntries(Object.entries(paths).map(([path, item]) => {
    const ops = Object.keys(item).filter((k): k is Verb => (VERBS as readonly string[]).includes(k)).map((verb) => [verb, toV3Operation(item[verb]!)]);
    return [path, { parameters: item.parameters.map(toV3Param), ...Object.fromEntries(ops) }];
  }));
}
