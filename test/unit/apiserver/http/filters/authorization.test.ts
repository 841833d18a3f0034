// The authorization filter: the authorizer it was given decides; denied is a 403 in upstream's
// words and nothing runs; a list of one name is authorized as about that name.
import test from 'ava';
import type { Attributes, Authorize } from '../../../../../src/apiserver/auth/types.js';
import { withAuthorization } from '../../../../../src/apiserver/http/filters/authorization.js';
import type { Authorized, Described } from '../../../../../src/apiserver/http/filters/types.js';
import { requestInfo } from '../../../../../src/apiserver/http/request-info.js';
import { incoming, recorder } from './requests.js';

const bob = { name: 'bob', groups: ['system:authenticated'] };

function described(method: string, path: string): Described {
  const r = incoming(method, path);
  return { ...r, user: bob, info: requestInfo(method, r.url) };
}

test('allowed: the next stage gets the attributes that were allowed', async (t) => {
  const { seen, next } = recorder<Authorized>();
  await withAuthorization(async () => ({ allowed: true, reason: '' }), next)(described('GET', '/api/v1/namespaces/a/pods/p'));
  t.like(seen[0]?.attrs, { user: bob, verb: 'get', resource: 'pods', namespace: 'a', name: 'p', resourceRequest: true });
});

test('denied: a 403 in upstream words with the reason, and nothing runs', async (t) => {
  const { seen, next } = recorder<Authorized>();
  const err = await t.throwsAsync(withAuthorization(async () => ({ allowed: false, reason: 'no RBAC policy matched' }), next)(described('GET', '/api/v1/namespaces/a/pods')));
  t.like(err, { status: { code: 403, message: 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "a": no RBAC policy matched' } });
  t.is(seen.length, 0);
});

test('a failing authorizer fails the request (no decision is not an allow)', async (t) => {
  const { seen, next } = recorder<Authorized>();
  await t.throwsAsync(withAuthorization(async () => { throw new Error('policy store down'); }, next)(described('GET', '/healthz')), { message: 'policy store down' });
  t.is(seen.length, 0);
});

test('a list or watch of one metadata.name is about that name; HEAD on a path is get', async (t) => {
  const asked: Attributes[] = [];
  const authorize: Authorize = async (_u, a) => { asked.push(a); return { allowed: true, reason: '' }; };
  const filter = withAuthorization(authorize, async () => {});
  await filter(described('GET', '/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3Dtls'));
  await filter(described('GET', '/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3D..'));
  await filter(described('HEAD', '/healthz'));
  t.deepEqual(asked.map((a) => [a.verb, a.resourceRequest ? a.name : a.path]), [['list', 'tls'], ['list', ''], ['get', '/healthz']]);
  t.is(asked[0]?.fieldSelector, 'metadata.name=tls');
});
