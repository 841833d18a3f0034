// The composed chain runs its stages in upstream's order: authentication, impersonation,
// request info, max in flight, authorization, route. Each test shows one ordering by what a
// request that fails two stages is answered with.
import test from 'ava';
import type { Attributes, Authorize } from '../../../../../src/apiserver/auth/types.js';
import { handlerChain } from '../../../../../src/apiserver/http/filters/chain.js';
import type { Authorized } from '../../../../../src/apiserver/http/filters/types.js';
import { inFlightLimiter } from '../../../../../src/apiserver/http/max-in-flight.js';
import { incoming, recorder } from './requests.js';

const alice = { name: 'alice', groups: ['system:authenticated'] };
const allow: Authorize = async () => ({ allowed: true, reason: '' });
const limiter = () => inFlightLimiter({ readOnly: 0, mutating: 0 });

test('the route sees the impersonated user and the attributes the authorizer allowed for them', async (t) => {
  const asked: Attributes[] = [];
  const authorize: Authorize = async (user, a) => { asked.push({ ...a, user }); return { allowed: true, reason: '' }; };
  const { seen, next } = recorder<Authorized>();
  await handlerChain({ authenticator: { authenticate: () => alice, anonymous: false }, authorize, limiter: limiter() }, next)(
    incoming('GET', '/api/v1/namespaces/a/pods', [['Impersonate-User', 'bob']]));
  t.deepEqual(asked.map((a) => [a.user.name, a.verb, a.resource]), [['alice', 'impersonate', 'users'], ['bob', 'list', 'pods']]);
  t.is(seen[0]?.user.name, 'bob');
  t.is(seen[0]?.attrs.user.name, 'bob');
});

test('authentication comes before request info: no credentials on a malformed path is a 401, not a 400', async (t) => {
  const chain = handlerChain({ authenticator: { authenticate: () => undefined, anonymous: false }, authorize: allow, limiter: limiter() }, async () => {});
  await t.throwsAsync(chain(incoming('GET', '/api/v1/namespaces/%zz/pods')), { message: 'Unauthorized' });
});

test('impersonation comes before authorization, and a denied impersonation stops before it', async (t) => {
  const asked: string[] = [];
  const authorize: Authorize = async (_u, a) => { asked.push(a.verb); return { allowed: a.verb !== 'impersonate', reason: '' }; };
  const chain = handlerChain({ authenticator: { authenticate: () => alice, anonymous: false }, authorize, limiter: limiter() }, async () => {});
  const err = await t.throwsAsync(chain(incoming('GET', '/api/v1/pods', [['Impersonate-User', 'bob']])));
  t.like(err, { status: { code: 403 } });
  t.deepEqual(asked, ['impersonate']);
});

test('max in flight comes before authorization: a request past the limit is a 429 the authorizer never sees', async (t) => {
  const asked: string[] = [];
  const authorize: Authorize = async (_u, a) => { asked.push(a.verb); return { allowed: false, reason: '' }; };
  const chain = handlerChain({ authenticator: { authenticate: () => alice, anonymous: false }, authorize, limiter: inFlightLimiter({ readOnly: 1, mutating: 1 }) }, async () => {});
  const held = incoming('POST', '/api/v1/namespaces/a/configmaps');
  await t.throwsAsync(chain(held), { message: /forbidden/ });
  const err = await t.throwsAsync(chain(incoming('POST', '/api/v1/namespaces/a/configmaps')));
  t.like(err, { status: { code: 429 } });
  t.deepEqual(asked, ['create']);
});
