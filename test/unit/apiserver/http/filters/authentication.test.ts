// The authentication filter: the authenticator's user goes on; no credentials are
// system:anonymous or a 401; bad credentials stop the request.
import test from 'ava';
import { withAuthentication } from '../../../../../src/apiserver/http/filters/authentication.js';
import type { Authenticated } from '../../../../../src/apiserver/http/filters/types.js';
import { unauthorized } from '../../../../../src/apiserver/auth/authenticator.js';
import { incoming, recorder } from './requests.js';

const alice = { name: 'alice', groups: ['system:authenticated'] };

test('the authenticated user (sync or async) is what the next stage sees', async (t) => {
  for (const authenticate of [() => alice, async () => alice]) {
    const { seen, next } = recorder<Authenticated>();
    await withAuthentication({ authenticate, anonymous: false }, next)(incoming('GET', '/api'));
    t.deepEqual(seen.map((r) => r.user), [alice]);
  }
});

test('no credentials: system:anonymous when anonymous requests are on, else 401 and nothing runs', async (t) => {
  const on = recorder<Authenticated>();
  await withAuthentication({ authenticate: () => undefined, anonymous: true }, on.next)(incoming('GET', '/api'));
  t.deepEqual(on.seen.map((r) => r.user), [{ name: 'system:anonymous', groups: ['system:unauthenticated'] }]);
  const off = recorder<Authenticated>();
  const err = await t.throwsAsync(withAuthentication({ authenticate: () => undefined, anonymous: false }, off.next)(incoming('GET', '/api')));
  t.like(err, { status: { code: 401, reason: 'Unauthorized', message: 'Unauthorized' } });
  t.is(off.seen.length, 0);
});

test('bad credentials are a 401 even when anonymous requests are on', async (t) => {
  const { seen, next } = recorder<Authenticated>();
  const authenticate = async () => { throw unauthorized('token expired'); };
  const err = await t.throwsAsync(withAuthentication({ authenticate, anonymous: true }, next)(incoming('GET', '/api')));
  t.like(err, { status: { code: 401 } });
  t.is(seen.length, 0);
});
