// startApiServer has no authenticator or authorizer of its own: without one it does not start
// (and stops what the composition root started), and the one it is given is the only judge.
// The stand-ins of test/helpers show it: nothing falls back to "allow authenticated users".
import test from 'ava';
import { startApiServer, type ApiServerOptions, type ServerPart } from '../../../src/apiserver/server.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { allowAuthenticated, certificateCnAuthenticator, denyAll } from '../../helpers/apiserver-stand-ins.js';
import { fixtureServerOptions, startFixture } from './fixture.js';

/** A part that counts its stops, to show a failed start ends what the composition root started. */
function countingPart(beforeListen?: () => Promise<void>): ServerPart & { stops: number } {
  const part = { stops: 0, ...(beforeListen ? { beforeListen } : {}), stop: async () => { part.stops++; } };
  return part;
}

for (const leftOut of ['authorize', 'authenticator'] as const) {
  test(`without ${leftOut} the server refuses to start, and stops the parts`, async (t) => {
    const store = new MemoryStore();
    t.teardown(() => store.close());
    const { [leftOut]: _omitted, ...rest } = fixtureServerOptions(store);
    const part = countingPart();
    // As a JavaScript caller would: the type says it is required, so the test has to cast.
    await t.throwsAsync(startApiServer({ ...rest, parts: [...(rest.parts ?? []), part] } as unknown as ApiServerOptions), { instanceOf: TypeError, message: /is required/ });
    t.is(part.stops, 1);
  });
}

test('a part failing before the server listens fails the start and every part is stopped', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const opts = fixtureServerOptions(store);
  const failing = countingPart(async () => { throw new Error('policy store down'); });
  const after = countingPart();
  await t.throwsAsync(startApiServer({ ...opts, parts: [...(opts.parts ?? []), failing, after] }), { message: 'policy store down' });
  t.deepEqual([failing.stops, after.stops], [1, 1]);
});

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
