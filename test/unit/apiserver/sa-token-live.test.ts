// ServiceAccount tokens are checked against the live objects they name, as upstream's
// validator does: deleting (or recreating) the ServiceAccount or the Pod a token is bound to
// revokes it, for requests (401) and TokenReview (status.error in upstream's words); a token
// for an object the caches have not seen yet is read through to the store.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { checkBoundObjects, type LiveKind, type LiveObject, type LiveObjects } from '../../../src/apiserver/auth/serviceaccount-token.js';
import { liveObjectsCache } from '../../../src/apiserver/wiring/live-objects.js';
import { makeServiceAccountKey } from '../../../src/apiserver/wiring/serviceaccount-key.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { systemClock, type Clock } from '../../../src/host/clock.js';
import { pod, startAuthFixture, until, type AuthFixture, type Reply } from './fixture.js';

const saKey = makeServiceAccountKey();
const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
const SELF_REVIEWS = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const unique = (p: string) => `${p}-${randomBytes(3).toString('hex')}`;

interface Setup extends AuthFixture {
  ns: string;
  /** Moves the server's clock (registry timestamps and token checks alike). */
  advance(seconds: number): void;
  serviceAccount(name: string): Promise<string>;
  token(sa: string, spec?: Record<string, unknown>): Promise<string>;
  review(token: string): Promise<Reply>;
}

async function setup(t: any): Promise<Setup> {
  let offsetMs = 0;
  // The wall clock moved by `advance`: what the tests measure is time passing, not a frozen instant.
  const clock: Clock = { now: () => systemClock.now() + offsetMs, nowNanos: () => BigInt(systemClock.now() + offsetMs) * 1_000_000n, monotonic: systemClock.monotonic };
  const f = await startAuthFixture(t, { serviceAccountKey: saKey }, { clock });
  const ns = unique('live');
  t.is((await f.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status, 201);
  return {
    ...f,
    ns,
    advance: (seconds) => { offsetMs += seconds * 1000; },
    async serviceAccount(name) {
      const r = await f.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name } });
      t.is(r.status, 201, r.text);
      return r.json.metadata.uid;
    },
    async token(sa, spec = {}) {
      const r = await f.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, { spec });
      t.is(r.status, 201, r.text);
      return r.json.status.token;
    },
    review: (token) => f.call('POST', TOKEN_REVIEWS, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
  };
}

const whoami = (s: Setup, token: string) => s.as(token, 'POST', SELF_REVIEWS, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });


test('a token for a just-created ServiceAccount works at once; deleting the account revokes it, recreating does not bring it back', async (t) => {
  const s = await setup(t);
  const uid = await s.serviceAccount('robot');
  const token = await s.token('robot');
  const ok = await whoami(s, token);
  t.is(ok.status, 201, ok.text);
  t.is(ok.json.status.userInfo.username, `system:serviceaccount:${s.ns}:robot`);
  t.like((await s.review(token)).json.status, { authenticated: true });

  t.is((await s.call('DELETE', `/api/v1/namespaces/${s.ns}/serviceaccounts/robot`)).status, 200);
  const gone = await until(() => whoami(s, token), (r) => r.status === 401);
  t.is(gone.json.message, 'Unauthorized', 'the reason is not told to the client');
  t.deepEqual((await s.review(token)).json.status, { user: {}, error: 'serviceaccounts "robot" not found' });

  const newUid = await s.serviceAccount('robot');
  t.not(newUid, uid);
  t.is((await whoami(s, token)).status, 401, 'the old token names the old uid');
  t.deepEqual((await s.review(token)).json.status, { user: {}, error: `service account UID (${newUid}) does not match claim (${uid})` });
  t.is((await whoami(s, await s.token('robot'))).status, 201, 'a token for the new account works');
});

test('a pod-bound token carries the pod in its extras and is revoked once the pod is gone', async (t) => {
  const s = await setup(t);
  await s.serviceAccount('runner');
  const created = await s.call('POST', `/api/v1/namespaces/${s.ns}/pods`, pod('p', { spec: { serviceAccountName: 'runner' } }));
  t.is(created.status, 201, created.text);
  const token = await s.token('runner', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: created.json.metadata.uid } });
  const ok = await s.review(token);
  t.like(ok.json.status, { authenticated: true });
  t.deepEqual(ok.json.status.user.extra['authentication.kubernetes.io/pod-name'], ['p']);
  t.deepEqual(ok.json.status.user.extra['authentication.kubernetes.io/pod-uid'], [created.json.metadata.uid]);
  t.regex(ok.json.status.user.extra['authentication.kubernetes.io/credential-id'][0], /^JTI=[0-9a-f-]{36}$/);
  t.is((await whoami(s, token)).status, 201);

  // Unscheduled: the delete removes it at once.
  t.is((await s.call('DELETE', `/api/v1/namespaces/${s.ns}/pods/p`)).status, 200);
  await until(() => whoami(s, token), (r) => r.status === 401);
  t.deepEqual((await s.review(token)).json.status, { user: {}, error: 'service account token has been invalidated' });
  t.is((await whoami(s, await s.token('runner'))).status, 201, 'the account itself is still there');
});

test('a token cannot be bound to a pod that runs as another ServiceAccount: 400 as upstream', async (t) => {
  const s = await setup(t);
  await s.serviceAccount('sa3');
  t.is((await s.call('POST', `/api/v1/namespaces/${s.ns}/pods`, pod('as-default'))).status, 201);
  t.is((await s.call('POST', `/api/v1/namespaces/${s.ns}/pods`, pod('as-sa3', { spec: { serviceAccountName: 'sa3' } }))).status, 201);
  const refused = await s.call('POST', `/api/v1/namespaces/${s.ns}/serviceaccounts/sa3/token`, { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'as-default' } } });
  t.is(refused.status, 400, refused.text);
  t.like(refused.json, { kind: 'Status', reason: 'BadRequest', message: 'cannot bind token for serviceaccount "sa3" to pod running with different serviceaccount name.' });
  const own = await s.call('POST', `/api/v1/namespaces/${s.ns}/serviceaccounts/sa3/token`, { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'as-sa3' } } });
  t.is(own.status, 201, 'its own pod is fine');
  const byDefault = await s.call('POST', `/api/v1/namespaces/${s.ns}/serviceaccounts/default/token`, { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'as-default' } } });
  t.is(byDefault.status, 201, 'a pod without serviceAccountName runs as default');
});

test('a bound object kind named like an Object.prototype member is 422, not a lookup of it', async (t) => {
  const s = await setup(t);
  await s.serviceAccount('sa4');
  for (const kind of ['constructor', 'toString', '__proto__']) {
    const res = await s.call('POST', `/api/v1/namespaces/${s.ns}/serviceaccounts/sa4/token`, { spec: { boundObjectRef: { kind, apiVersion: 'v1', name: 'x' } } });
    t.is(res.status, 422, `${kind}: ${res.text}`);
    t.regex(res.json.message, /Unsupported value/);
  }
});

test('a pod being deleted gracefully keeps its token good until its deletionTimestamp is more than 60 s past', async (t) => {
  const s = await setup(t);
  await s.serviceAccount('runner');
  const created = await s.call('POST', `/api/v1/namespaces/${s.ns}/pods`, pod('p', { spec: { serviceAccountName: 'runner', nodeName: 'n1' } }));
  t.is(created.status, 201, created.text);
  const token = await s.token('runner', { expirationSeconds: 7200, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } });
  const deleting = await s.call('DELETE', `/api/v1/namespaces/${s.ns}/pods/p?gracePeriodSeconds=30`);
  t.is(deleting.status, 200, deleting.text);
  t.truthy(deleting.json.metadata.deletionTimestamp, 'scheduled: the pod stays, marked');
  await until(() => s.call('GET', `/api/v1/namespaces/${s.ns}/pods/p`), (r) => Boolean(r.json.metadata.deletionTimestamp));
  t.like((await s.review(token)).json.status, { authenticated: true }, 'within the grace period');
  s.advance(30 + 61);
  t.deepEqual((await s.review(token)).json.status, { user: {}, error: 'service account token has been invalidated' });
  t.is((await whoami(s, token)).status, 401);
});

/** A cache that has seen nothing yet, over a "store" that holds the objects: what a mirror lagging a create looks like. */
function laggingCache(stored: Record<string, LiveObject>): LiveObjects & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    cached: () => undefined,
    async fetch(kind: LiveKind, ns: string, name: string) {
      reads.push(`${kind}/${ns}/${name}`);
      return stored[`${kind}/${ns}/${name}`];
    },
  };
}

test('checkBoundObjects: answers at once from the cache, reads misses through to the store', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  const claims = { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u1' }, pod: { name: 'p', uid: 'pu' } };
  const full: LiveObjects = {
    cached: (kind, _ns, name) => (kind === 'serviceaccounts' && name === 'sa' ? { uid: 'u1' } : kind === 'pods' && name === 'p' ? { uid: 'pu' } : undefined),
    fetch: async () => { throw new Error('not to be read'); },
  };
  t.is(checkBoundObjects(claims, full, now), undefined, 'synchronous when all is cached');
  const lagging = laggingCache({ 'serviceaccounts/ns/sa': { uid: 'u1' }, 'pods/ns/p': { uid: 'pu' } });
  t.is(await checkBoundObjects(claims, lagging, now), undefined);
  t.deepEqual(lagging.reads.sort(), ['pods/ns/p', 'serviceaccounts/ns/sa']);
  t.is(await checkBoundObjects(claims, laggingCache({ 'serviceaccounts/ns/sa': { uid: 'u1' } }), now), 'service account token has been invalidated');
  t.is(await checkBoundObjects(claims, laggingCache({ 'serviceaccounts/ns/sa': { uid: 'u1' }, 'pods/ns/p': { uid: 'other' } }), now),
    'pod UID (other) does not match service account pod ref claim (pu)');
  const deletedLongAgo = laggingCache({ 'serviceaccounts/ns/sa': { uid: 'u1', deletionTimestamp: '2025-12-31T23:58:59Z' }, 'pods/ns/p': { uid: 'pu' } });
  t.is(await checkBoundObjects(claims, deletedLongAgo, now), 'service account ns/sa has been deleted');
  const deletedJustNow = laggingCache({ 'serviceaccounts/ns/sa': { uid: 'u1', deletionTimestamp: '2025-12-31T23:59:30Z' }, 'pods/ns/p': { uid: 'pu' } });
  t.is(await checkBoundObjects(claims, deletedJustNow, now), undefined, 'within the 60 s leeway');
  const nodeBound = { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u1' }, node: { name: 'n', uid: 'nu' } };
  t.is(await checkBoundObjects(nodeBound, laggingCache({ 'serviceaccounts/ns/sa': { uid: 'u1' }, 'nodes//n': { uid: 'nu2' } }), now),
    'node UID (nu2) does not match service account node ref claim (nu)');
  const failing: LiveObjects = { cached: () => undefined, fetch: async () => { throw new Error('store down'); } };
  await t.throwsAsync(async () => checkBoundObjects(claims, failing, now), { message: 'store down' });
});

test('liveObjectsCache: keeps uid and deletionTimestamp of what is stored, follows writes, reads a key through', async (t) => {
  const store = new MemoryStore();
  const podKey = '/registry/core/pods/ns/p';
  await store.create(podKey, Buffer.from(JSON.stringify({ metadata: { name: 'p', namespace: 'ns', uid: 'pu' }, spec: { containers: [] } })));
  const cache = liveObjectsCache(store, () => {}, 10);
  t.teardown(async () => { await cache.stop(); await store.close(); });
  await cache.ready;
  t.deepEqual(cache.cached('pods', 'ns', 'p'), { uid: 'pu' }, 'listed, and only what the check needs');
  await store.create('/registry/core/nodes/n', Buffer.from(JSON.stringify({ metadata: { name: 'n', uid: 'nu', deletionTimestamp: '2026-01-01T00:00:00Z' } })));
  t.deepEqual(await cache.fetch('nodes', '', 'n'), { uid: 'nu', deletionTimestamp: '2026-01-01T00:00:00Z' }, 'read through, whatever the cache has seen');
  t.is(await cache.fetch('serviceaccounts', 'ns', 'none'), undefined);
  const seen = async (what: () => unknown) => { while (!what()) await new Promise((res) => setTimeout(res, 5)); };
  await seen(() => cache.cached('nodes', '', 'n'));
  await store.delete(podKey);
  await seen(() => !cache.cached('pods', 'ns', 'p'));
  t.pass();
});
