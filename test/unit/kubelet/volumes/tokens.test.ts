// The token manager's refresh rules against the in-process apiserver's TokenRequest, with one
// stepped clock for the server (it stamps the tokens) and the kubelet (it ages them).
import test, { type ExecutionContext } from 'ava';
import type { Pod } from '../../../../src/api/types.js';
import { makeServiceAccountKey } from '../../../../src/apiserver/wiring/serviceaccount-key.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { TokenManager } from '../../../../src/kubelet/volumes/tokens.js';
import { startClientFixture, type ClientFixture } from '../../client/client-fixture.js';

const saKey = makeServiceAccountKey();
const HOUR = 3600_000;
let seq = 0;

async function setup(t: ExecutionContext): Promise<{ f: ClientFixture; clock: FakeClock; tokens: TokenManager; pod: Pod; ns: string }> {
  const clock = new FakeClock(Date.now());
  const f = await startClientFixture(t, { auth: { serviceAccountKey: saKey }, clock });
  const ns = `tok${process.pid}x${seq++}`;
  const ok = <R extends { status: number; text: string }>(r: R): R => { if (r.status >= 300) throw new Error(r.text); return r; };
  ok(await f.call('POST', '/api/v1/namespaces', { metadata: { name: ns } }));
  ok(await f.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'robot' } }));
  const pod = ok(await f.call('POST', `/api/v1/namespaces/${ns}/pods`, { metadata: { name: 'p' }, spec: { serviceAccountName: 'robot', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox' }] } })).json as Pod;
  return { f, clock, tokens: new TokenManager(f.client, clock), pod, ns };
}

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { aud: string[]; sub: string; exp: number; iat: number };

test('a token carries the audience and lifetime asked for and is bound to the pod\'s account; each audience gets its own', async (t) => {
  const { tokens, pod, ns } = await setup(t);
  const a = await tokens.token(pod, { audience: 'vault', expirationSeconds: 1200 });
  t.deepEqual(claims(a).aud, ['vault']);
  t.is(claims(a).sub, `system:serviceaccount:${ns}:robot`);
  t.is(claims(a).exp - claims(a).iat, 1200);
  const b = await tokens.token(pod, { audience: 'other', expirationSeconds: 1200 });
  t.deepEqual(claims(b).aud, ['other']);
  t.is(await tokens.token(pod, { audience: 'vault', expirationSeconds: 1200 }), a);
});

test('a long-lived token is renewed once it is 24 h old, before 80% of its lifetime', async (t) => {
  const { tokens, pod, clock } = await setup(t);
  const first = await tokens.token(pod, { expirationSeconds: 48 * 3600 });
  clock.advance(23 * HOUR);
  t.is(await tokens.token(pod, { expirationSeconds: 48 * 3600 }), first);
  clock.advance(HOUR);
  t.not(await tokens.token(pod, { expirationSeconds: 48 * 3600 }), first);
});

test('when renewal fails the old token is served until it expires, then the error comes through; forgetPod drops them', async (t) => {
  const { f, tokens, pod, clock, ns } = await setup(t);
  const first = await tokens.token(pod, { expirationSeconds: 3600 });
  const r = await f.call('DELETE', `/api/v1/namespaces/${ns}/serviceaccounts/robot`);
  t.is(r.status, 200, r.text);
  clock.advance(0.9 * HOUR);
  t.is(await tokens.token(pod, { expirationSeconds: 3600 }), first);
  clock.advance(0.2 * HOUR);
  await t.throwsAsync(tokens.token(pod, { expirationSeconds: 3600 }), { message: /not found/ });
  tokens.forgetPod(pod.metadata.uid!);
  clock.advance(-0.3 * HOUR);
  await t.throwsAsync(tokens.token(pod, { expirationSeconds: 3600 }), { message: /not found/ }, 'nothing cached for a forgotten pod');
});
