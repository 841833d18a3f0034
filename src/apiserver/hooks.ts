// What the apiserver core calls but does not own: defaults, validation, admission, patching,
// OpenAPI, tables, authentication/authorization. Each is built in its own folder (src/api,
// src/apiserver/patch, auth); the composition root passes them in.
// Until one lands, `standInHooks` fills its slot with the simplest honest behaviour, noted on
// each member, so the server is usable without claiming what it does not do.
import type { IncomingMessage } from 'node:http';
import { admissionChain, type AdmissionChain } from './admission/chain.js';
import type { Attributes, Decision, UserInfo } from './auth/types.js';
import type { StatusCause } from './status.js';
import { apiError } from './status.js';
import { ownValue, setOwn } from '../own-keys.js';

// Who is asking and what for: the shapes of src/apiserver/auth (upstream's user.Info and
// authorizer.Attributes), so the authenticator and RBAC plug in without translation.
export type { UserInfo } from './auth/types.js';
export type AuthzAttributes = Attributes;

export interface Gvk { group: string; version: string; kind: string }

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
  /**
   * undefined = no credentials presented (anonymous). Throws (or rejects) ApiError 401 on
   * credentials that are presented but invalid. A Promise when it has to read the store
   * first (a ServiceAccount token naming an object its caches have not seen yet).
   */
  authenticate(req: IncomingMessage): UserInfo | undefined | Promise<UserInfo | undefined>;
  /** Rejects only when the policy source fails (the caller answers 500). */
  authorize(user: UserInfo, attrs: AuthzAttributes): Promise<Decision>;
  /**
   * The admission chain (admission/chain.ts) and its request scope: the storage calls its
   * mutating phase on the defaulted object, its validating phase on the final one (after
   * patching, defaulting and validation) or the one to delete; both reject with an ApiError to
   * refuse the write. The scope tells who asks (a CSR records it as its requestor).
   */
  admission: AdmissionChain;
}

type Obj = Record<string, any>;

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/** RFC 7386 JSON merge patch: the stand-in for every patch type that is a merge. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else setOwn(out, k, mergePatch(ownValue(out, k), v));
  }
  return out;
}

/**
 * Stand-ins until the owners' modules land. Honest limits: no defaulting, no validation,
 * strategic merge patch treated as a JSON merge patch (lists replaced, no merge keys), JSON
 * patch answers 415, server-side apply merges without field ownership, no OpenAPI documents
 * (404), a minimal Name/Created At table, a client certificate signed by the CA makes its CN
 * the user (O the groups), everyone authenticated is allowed (anonymous users only the health
 * and version paths), no admission plugins (only the request scope).
 * startApiServer replaces the auth members with the real ones unless told not to,
 * and always the admission chain.
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
      const user = subject?.CN ? { name: subject.CN, groups: [...groups, 'system:authenticated'] } : undefined;
      users.set(req.socket, user);
      return user;
    },
    authorize: async (user, attrs) => (user.groups.includes('system:authenticated') || (!attrs.resourceRequest && PUBLIC_PATHS.has(attrs.path ?? ''))
      ? { allowed: true, reason: 'stand-in: everyone authenticated is allowed' }
      : { allowed: false, reason: '' }),
    admission: admissionChain([]),
  };
}
