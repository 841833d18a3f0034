// Upstream's max-in-flight filter: past the limit a request is a 429 with Retry-After, long-running
// ones are not counted, system:masters always gets an answer, and a finished request frees its slot.
import test from 'ava';
import { request } from 'node:https';
import { parseCount } from '../../../src/cli/server.js';
import { startAuthFixture, testPki, until } from './fixture.js';

const CMS = '/api/v1/namespaces/default/configmaps';

test('a mutating request past the limit is a 429; reads, watches and system:masters pass; the slot frees', async (t) => {
  const f = await startAuthFixture(t, {}, { maxInFlight: { readOnly: 1, mutating: 1 } });
  // An admin's POST whose body never finishes holds the one mutating slot (system:masters is
  // counted, only never refused).
  const pki = testPki();
  const held = request(`${f.server.url}${CMS}`, {
    method: 'POST', ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key,
    headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
  });
  const heldDone = new Promise<number>((resolve) => { held.on('response', (r) => { r.resume(); resolve(r.statusCode ?? 0); }); held.on('error', () => resolve(0)); });
  held.write('{"metadata":');
  const refused = await until(() => f.as('alice-token', 'POST', CMS, { metadata: { name: 'x' } }), (r) => r.status === 429);
  t.is(refused.headers['retry-after'], '1');
  t.is(refused.json.reason, 'TooManyRequests');
  t.is(refused.json.message, 'Too many requests, please try again later.');
  t.not((await f.as('alice-token', 'GET', CMS)).status, 429, 'reads have their own limit');
  t.is((await f.call('POST', CMS, { metadata: { name: 'admin' } })).status, 201, 'system:masters is never refused');
  const w = f.watch(`${CMS}?watch=1`);
  await w.next(1);
  t.not((await f.as('alice-token', 'GET', CMS)).status, 429, 'a watch holds no read slot');
  w.stop();
  held.destroy();
  await heldDone;
  const after = await until(() => f.as('alice-token', 'POST', CMS, { metadata: { name: 'y' } }), (r) => r.status !== 429);
  t.is(after.status, 403, 'past the limiter, RBAC decides');
});

test('skiff server --max-(mutating-)requests-inflight take a count', (t) => {
  t.is(parseCount('0'), 0);
  t.is(parseCount('400'), 400);
  for (const bad of ['-1', '1.5', 'x', '', '99999999999999999999']) t.throws(() => parseCount(bad), undefined, bad);
});
