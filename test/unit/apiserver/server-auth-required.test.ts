// startApiServer has no authenticator or authorizer of its own: without one it does not start
// (and stops what the composition root started), and the one it is given is the only judge.
// The stand-ins of test/helpers show it: nothing falls back to "allow authenticated users".
import test from 'ava';
import { startApiServer, type ApiServerOptions } from '../../../src/apiserver/server.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { allowAuthenticated, certificateCnAuthenticator, denyAll } from '../../helpers/apiserver-stand-ins.js';
import { fixtureServerOptions, startFixture } from './fixture.js';

for (const leftOut of ['authorize', 'authenticator'] as const) {
  test(`without ${leftOut} the server refuses to start`, async (t) => {
    const store = new MemoryStore();
    t.teardown(() => store.close());
    const { [leftOut]: _omitted, ...rest } = fixtureServerOptions(store);
    await t.throwsAsync(startApiServer(rest as ApiServerOptions), { instanceOf: TypeError, message: /is required/ });
  });
}

test('an authorizer that denies everything denies the admin too, public paths included', async (t) => {
  const f = await startFixture(t, { authorize: denyAll });
  for (const path of ['/api/v1/namespaces', '/healthz', '/version/']) t.is((await f.call('GET', path)).status, 403, path);
});

test('the allow-authenticated stand-in: anonymous users read the public paths only', async (t) => {
  const f = await startFixture(t, { authenticator: certificateCnAuthenticator(), authorize: allowAuthenticated });
  for (const path of ['/healthz', '/version/', '/readyz']) t.is((await f.call('GET', path, undefined, {}, { cert: false })).status, 200, path);
  t.is((await f.call('GET', '/api', undefined, {}, { cert: false })).status, 403);
  t.is((await f.call('GET', '/api')).status, 200, 'the admin certificate authenticates');
});
