// Bearer tokens against an apiserver with authentication on: a token file is re-read once a
// minute on the injected clock (projected ServiceAccount tokens rotate under the kubelet), and
// serviceaccounts/token issues one through the subresource verb.
import test from 'ava';
import { makeServiceAccountKey } from '../../../src/apiserver/wiring/serviceaccount-key.js';
import { Client } from '../../../src/client/client.js';
import { FakeClock } from '../../../src/host/clock.js';
import { FakeFiles } from '../../../src/host/files/fake.js';
import { startAuthFixture, testPki } from '../apiserver/fixture.js';

const REVIEW = { group: 'authentication.k8s.io', version: 'v1', plural: 'selfsubjectreviews' };
type Review = { metadata: object; status?: { userInfo?: { username?: string } } };

test('a token file is re-read after a minute on the clock, not on every request', async (t) => {
  const f = await startAuthFixture(t);
  const files = new FakeFiles();
  await files.write('/token', 'alice-token\n');
  const clock = new FakeClock();
  const client = new Client({ config: { server: f.server.url, ca: testPki().ca.cert, tokenFile: '/token' }, clock, files });
  t.teardown(() => client.close());
  const whoami = async () => (await client.resource(REVIEW).create({ metadata: {} }) as Review).status?.userInfo?.username;
  t.is(await whoami(), 'alice');
  await files.write('/token', 'bob-token\n');
  clock.advance(59_999);
  t.is(await whoami(), 'alice');
  clock.advance(1);
  t.is(await whoami(), 'bob');
});

test('serviceaccounts/token through createSubresource issues a token that authenticates as the account', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: makeServiceAccountKey() });
  const pki = testPki();
  const admin = new Client({ config: { server: f.server.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key }, clock: new FakeClock(), files: new FakeFiles() });
  t.teardown(() => admin.close());
  const sas = admin.resource({ group: '', version: 'v1', plural: 'serviceaccounts' }, 'default');
  await sas.create({ metadata: { name: 'robot' } });
  const issued = await sas.createSubresource<{ status: { token: string } }>('robot', 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  const robot = new Client({ config: { server: f.server.url, ca: pki.ca.cert, token: issued.status.token }, clock: new FakeClock(), files: new FakeFiles() });
  t.teardown(() => robot.close());
  const review = await robot.resource(REVIEW).create({ metadata: {} }) as Review;
  t.is(review.status?.userInfo?.username, 'system:serviceaccount:default:robot');
});
