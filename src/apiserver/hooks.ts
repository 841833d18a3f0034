// What the apiserver core calls but does not own: admission (defaults, validation), patching,
// OpenAPI, tables, authentication/authorization and service allocation. Each is built in its
// own folder (src/api, src/apiserver/patch, auth, alloc); the composition root passes them in.
// Until one lands, `standInHooks` fills its slot with the simplest honest behaviour, noted on
// each member, so the server is usable without claiming what it does not do.
import type { IncomingMessage } from 'node:http';
import type { StatusCause } from './status.js';
import { apiError } from './status.js';

export interface Gvk { group: string; version: string; kind: string }
export interface UserInfo { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> }
export interface AuthzAttributes {
  user: UserInfo; verb: string; apiGroup: string; apiVersion: string; resource: string; subresource: string;
  namespace: string; name: string; resourceRequest: boolean; path: string;
}

export interface ServerHooks {
  defaultObject(gvk: Gvk, obj: object): void;
  validateObject(gvk: Gvk, obj: object, old?: object): StatusCause[];
  /** JSON / merge / strategic patch; throws ApiError 400/415/422. */
  applyPatch(contentType: string, current: object, patch: unknown, gvk: Gvk): object;
  /** Throws ApiError 409 with conflict causes. */
  serverSideApply(current: object | undefined, applied: object, opts: { manager: string; force: boolean; gvk: Gvk; now: string }): object;
  updateManagedFields(old: object | undefined, next: object, manager: string, operation: 'Update' | 'Apply', now: string, subresource?: string): void;
  openapiV2(): object;
  openapiV3Index(): object;
  openapiV3(groupVersion: string): object | undefined;
  toTable(gvk: Gvk, objects: object[], includeObject: 'None' | 'Object' | 'Metadata'): object;
  /** undefined = no credentials recognised (anonymous). */
  authenticate(req: IncomingMessage): UserInfo | undefined;
  authorize(user: UserInfo, attrs: AuthzAttributes): Promise<{ allowed: boolean; reason: string }>;
  allocateService(svc: object, old?: object): Promise<void> | void;
  releaseService(svc: object): Promise<void> | void;
}

type Obj = Record<string, any>;

/** RFC 7386 JSON merge patch: the stand-in for every patch type that is a merge. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Stand-ins until the owners' modules land. Honest limits: no defaulting, no validation,
 * strategic merge patch treated as a JSON merge patch (lists replaced, no merge keys), JSON
 * patch answers 415, server-side apply merges without field ownership, no OpenAPI documents
 * (404), a minimal Name/Created At table, a client certificate signed by the CA makes its CN
 * the user (O the groups), everyone authenticated is allowed,
 * no ClusterIP allocation.
 */
export function standInHooks(): ServerHooks {
  const users = new WeakMap<object, UserInfo | undefined>();
  return {
    defaultObject: () => {},
    validateObject: () => [],
    applyPatch(contentType, current, patch) {
      if (contentType.startsWith('application/json-patch+json')) {
        throw apiError(415, 'UnsupportedMediaType', 'json patch is not supported by this server yet');
      }
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
        throw apiError(400, 'BadRequest', 'patch body must be a JSON object');
      }
      return mergePatch(current, patch) as object;
    },
    serverSideApply(current, applied) {
      // Without field ownership this is "the applied fields win": a merge of the applied config.
      return mergePatch(current ?? {}, applied) as object;
    },
    updateManagedFields: () => {},
    openapiV2: () => { throw apiError(404, 'NotFound', 'the server could not find the requested resource'); },
    openapiV3Index: () => ({ paths: {} }),
    openapiV3: () => undefined,
    toTable(_gvk, objects, includeObject) {
      return {
        kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {},
        columnDefinitions: [
          { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
          { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp', priority: 0 },
        ],
        rows: objects.map((o: Obj) => ({
          cells: [o.metadata?.name, o.metadata?.creationTimestamp],
          object: includeObject === 'None' ? undefined
            : includeObject === 'Metadata' ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } : o,
        })),
      };
    },
    authenticate(req) {
      // One TLS session, one peer: decode its certificate once per connection.
      if (users.has(req.socket)) return users.get(req.socket);
      const sock = req.socket as { getPeerCertificate?: () => { subject?: { CN?: string; O?: string | string[] } }; authorized?: boolean };
      const subject = sock.authorized ? sock.getPeerCertificate?.()?.subject : undefined;
      const groups = subject?.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
      const user = subject?.CN ? { username: subject.CN, groups: [...groups, 'system:authenticated'] } : undefined;
      users.set(req.socket, user);
      return user;
    },
    authorize: async () => ({ allowed: true, reason: 'stand-in: authorization not wired yet' }),
    allocateService: () => {},
    releaseService: () => {},
  };
}
