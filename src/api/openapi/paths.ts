// The REST paths of the OpenAPI documents. kubectl reads them for one decision: whether the
// server validates fields itself (a PATCH operation tagged with the kind's GVK that takes the
// `fieldValidation` parameter, see kubectl's QueryParamVerifierV3); without that it falls back
// to client-side validation. So every resource gets its operations with their parameters.
import { groupVersion, type ResourceInfo } from '../resources.js';
import type { Gvk } from '../types.js';

export type Ref = (name: string) => string;

/** A swagger 2.0 parameter: query and path parameters are typed scalars, the body a schema. */
export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: { $ref: string };
}

export interface Operation {
  description: string;
  operationId: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  parameters: Parameter[];
  responses: { '200': { description: string; schema: { $ref: string } }; '401': { description: string } };
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': Gvk;
}

export type Verb = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type PathItem = { parameters: Parameter[] } & { [V in Verb]?: Operation };

const query = (name: string, description: string, type = 'string'): Parameter => ({ name, in: 'query', description, type, uniqueItems: true });
const P = {
  pretty: query('pretty', "If 'true', then the output is pretty printed."),
  dryRun: query('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: query('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: query('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn (default) - Strict'),
  force: query('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', 'boolean'),
  labelSelector: query('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: query('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: query('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  cont: query('continue', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: query('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  watch: query('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
  timeoutSeconds: query('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  propagationPolicy: query('propagationPolicy', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Foreground', 'Background'."),
};
const pathParam = (name: string, description: string): Parameter => ({ name, in: 'path', required: true, description, type: 'string', uniqueItems: true });

/** A path → operations map for every served resource, in swagger 2.0 form. */
export function resourcePaths(resources: readonly ResourceInfo[], defName: (r: ResourceInfo) => string | undefined, ref: Ref): Record<string, PathItem> {
  const paths = new Map<string, PathItem>();
  for (const r of resources) {
    const def = defName(r);
    if (!def) continue;
    const base = r.group ? `/apis/${r.group}/${r.version}` : '/api/v1';
    const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
    const item = `${collection}/{name}`;
    const gvk = { group: r.group, kind: r.kind, version: r.version };
    const id = `${camel(r.group)}${cap(r.version)}`;
    const scope = r.namespaced ? 'Namespaced' : '';
    const common = [...(r.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : []), P.pretty];
    const op = (verb: string, action: string, what: string, parameters: Parameter[], schema: string, extra: Partial<Operation> = {}): Operation => ({
      description: `${verb} ${what}`,
      operationId: `${action}${id}${scope}${r.kind}`,
      consumes: ['*/*'],
      produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
      schemes: ['https'],
      tags: [tag(r)],
      parameters,
      responses: { '200': { description: 'OK', schema: { $ref: ref(schema) } }, '401': { description: 'Unauthorized' } },
      'x-kubernetes-action': action === 'read' ? 'get' : action === 'replace' ? 'put' : action,
      'x-kubernetes-group-version-kind': gvk,
      ...extra,
    });
    const body: Parameter = { name: 'body', in: 'body', required: true, schema: { $ref: ref(def) } };
    const patchBody: Parameter = { name: 'body', in: 'body', required: true, schema: { $ref: ref('io.k8s.apimachinery.pkg.apis.meta.v1.Patch') } };
    const writes = [P.dryRun, P.fieldManager, P.fieldValidation];
    // Create-only resources (the reviews) have no list, item or subresource operations.
    if (r.verbs && !r.verbs.includes('get')) {
      paths.set(collection, { parameters: common, post: op('create', 'post', `a ${r.kind}`, [body, ...writes], def) });
      continue;
    }
    paths.set(collection, {
      parameters: common,
      get: op('list or watch objects of kind', 'list', r.kind, [P.labelSelector, P.fieldSelector, P.limit, P.cont, P.resourceVersion, P.timeoutSeconds, P.watch], listName(def)),
      post: op('create', 'post', `a ${r.kind}`, [body, ...writes], def),
      delete: op('delete collection of', 'deletecollection', r.kind, [P.labelSelector, P.fieldSelector, P.gracePeriodSeconds, P.propagationPolicy], 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'),
    });
    const itemParams = [pathParam('name', `name of the ${r.kind}`), ...common];
    paths.set(item, {
      parameters: itemParams,
      get: op('read the specified', 'read', r.kind, [], def),
      put: op('replace the specified', 'replace', r.kind, [body, ...writes], def),
      patch: op('partially update the specified', 'patch', r.kind, [patchBody, ...writes, P.force], def, {
        consumes: ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'],
      }),
      delete: op('delete', 'delete', `a ${r.kind}`, [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'),
    });
    if (r.subresources?.includes('status')) {
      paths.set(`${item}/status`, {
        parameters: itemParams,
        get: op('read status of the specified', 'read', r.kind, [], def, { operationId: `read${id}${scope}${r.kind}Status` }),
        put: op('replace status of the specified', 'replace', r.kind, [body, ...writes], def, { operationId: `replace${id}${scope}${r.kind}Status` }),
        patch: op('partially update status of the specified', 'patch', r.kind, [patchBody, ...writes, P.force], def, { operationId: `patch${id}${scope}${r.kind}Status` }),
      });
    }
  }
  return Object.fromEntries(paths);
}

export const listName = (def: string) => `${def}List`;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const camel = (group: string) => (group ? group.split('.')[0]!.split('-').map(cap).join('') : 'Core');
const tag = (r: ResourceInfo) => groupVersion(r).replace(/[./]/g, '_');
