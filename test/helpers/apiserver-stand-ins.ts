// Stand-ins for what the apiserver's composition root (src/cli/apiserver-deps.ts) normally
// passes in, for tests that want the simplest honest behaviour instead. They live here, not in
// src: a server is never built with them by accident. Honest limits: no defaulting, no
// validation, strategic merge patch treated as a JSON merge patch (lists replaced, no merge
// keys), JSON patch answers 415, server-side apply merges without field ownership, no OpenAPI
// documents (404), a minimal Name/Created At table, no ClusterIP allocation, no admission
// plugins (only the request scope); a client certificate signed by the CA makes its CN the
// user (O the groups), and everyone authenticated is allowed (anonymous users only the public paths).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { admissionChain } from '../../src/apiserver/admission/chain.js';
import type { Authorize, UserInfo } from '../../src/apiserver/auth/types.js';
import type { ServerHooks } from '../../src/apiserver/hooks.js';
import type { RequestAuthenticator } from '../../src/apiserver/http/filters/authentication.js';
import { publicPathOf } from '../../src/apiserver/http/public-paths.js';
import { mergePatch } from '../../src/apiserver/patch/json-patch.js';
import { apiError } from '../../src/apiserver/status.js';
import { isObject, type JsonObject } from '../../src/api/types.js';
import { ServiceAllocator } from '../../src/apiserver/alloc/index.js';
import { Strategies } from '../../src/apiserver/storage/strategies/index.js';
import type { Store } from '../../src/store/types.js';

export function standInHooks(): ServerHooks {
  return {
    defaultObject: () => {},
    validateObject: () => [],
    applyPatch(contentType, current, patch) {
      if (contentType.startsWith('application/json-patch+json')) {
        throw apiError(415, 'UnsupportedMediaType', 'json patch is not supported by this server yet');
      }
      if (!isObject(patch)) throw apiError(400, 'BadRequest', 'patch body must be a JSON object');
      return mergePatch(current as JsonObject, patch);
    },
    // Without field ownership this is "the applied fields win": a merge of the applied config.
    serverSideApply: (current, applied) => mergePatch((current ?? {}) as JsonObject, applied),
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
        rows: objects.map((o) => {
          const metadata = (o as { metadata?: { name?: string; creationTimestamp?: string } }).metadata;
          return {
            cells: [metadata?.name, metadata?.creationTimestamp],
            object: includeObject === 'None' ? undefined
              : includeObject === 'Metadata' ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata } : o,
          };
        }),
      };
    },
    admission: admissionChain([]),
  };
}

/** A client certificate the TLS layer verified: its CN is the user, its O the groups. Anonymous otherwise. */
export function certificateCnAuthenticator(anonymous = true): RequestAuthenticator {
  const users = new WeakMap<object, UserInfo | undefined>();
  return {
    anonymous,
    authenticate(req: IncomingMessage) {
      // One TLS session, one peer: decode its certificate once per connection.
      if (users.has(req.socket)) return users.get(req.socket);
      const sock = req.socket as Partial<TLSSocket>;
      const subject = sock.authorized ? sock.getPeerCertificate?.()?.subject : undefined;
      const groups = subject?.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
      const user = subject?.CN ? { name: String(subject.CN), groups: [...groups, 'system:authenticated'] } : undefined;
      users.set(req.socket, user);
      return user;
    },
  };
}

/** Everyone authenticated may do anything; anonymous users only read the public paths. */
export const allowAuthenticated: Authorize = async (user, attrs) =>
  user.groups.includes('system:authenticated') || (!attrs.resourceRequest && publicPathOf(attrs.path ?? '') !== undefined)
    ? { allowed: true, reason: 'stand-in: everyone authenticated is allowed' }
    : { allowed: false, reason: '' };

/** Nobody may do anything. */
export const denyAll: Authorize = async () => ({ allowed: false, reason: 'stand-in: nobody is allowed' });

/** The real strategy table, with a Service allocator on the test's store (default ranges). */
export function strategiesFor(store: Store): Strategies {
  return new Strategies({ serviceAllocator: new ServiceAllocator(store) });
}
