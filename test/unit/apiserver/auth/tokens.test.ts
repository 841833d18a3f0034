import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import jwt from 'jsonwebtoken';
import { authenticator, bearerToken, issueServiceAccountToken, parseTokenCsv, type ServiceAccountKey } from '../../../../src/apiserver/auth/index.js';
import { ApiError } from '../../../../src/apiserver/status.js';
import { FakeClock } from '../../../../src/host/clock.js';

function key(kind: 'rsa' | 'ec', issuer = 'https://kubernetes.default.svc.cluster.local'): ServiceAccountKey {
  const pair = kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    issuer,
  };
}
const rsa = key('rsa');
const ec = key('ec');

/** A request as the HTTP server hands it over: headers, and a plain (non-TLS) socket. */
const request = (headers: Record<string, string> = {}) => ({ headers, socket: {} }) as unknown as IncomingMessage;
const bearer = (token: string) => request({ authorization: `Bearer ${token}` });
const sa = { namespace: 'apps', name: 'bot', uid: '5a1e-uid' };
const now = new Date('2030-01-01T00:00:00Z');

function unauthorized(t: any, fn: () => unknown, what?: string) {
  const err = t.throws(fn, { instanceOf: ApiError }, what);
  t.is(err.code, 401);
  t.is(err.message, 'Unauthorized');
  return err as ApiError;
}

test('token CSV: user, uid and quoted groups; short records fail naming the file', (t) => {
  const tokens = parseTokenCsv('tok1,alice,uid-1,"dev,ops"\ntok2,bob,uid-2\n\n ,nobody,uid-3\n');
  t.deepEqual(tokens.get('tok1'), { name: 'alice', uid: 'uid-1', groups: ['dev', 'ops'] });
  t.deepEqual(tokens.get('tok2'), { name: 'bob', uid: 'uid-2', groups: [] });
  t.is(tokens.size, 2, 'an empty token is skipped');
  t.throws(() => parseTokenCsv('tok,alice\n', 'tokens.csv'), { message: /tokens.csv must have at least 3 columns/ });
});

test('static tokens authenticate and add system:authenticated; unknown ones are 401', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-auth-tokens-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tokens.csv');
  writeFileSync(file, 'secret-token,alice,uid-1,"system:masters"\n');
  const authn = authenticator({ tokenFile: file });
  t.deepEqual(authn.authenticate(bearer('secret-token')), { name: 'alice', uid: 'uid-1', groups: ['system:masters', 'system:authenticated'] });
  const err = unauthorized(t, () => authn.authenticate(bearer('wrong-token')));
  t.notRegex(String((err.cause as Error).message), /wrong-token/, 'the token is never in the error');
  t.is(authn.authenticate(request()), undefined, 'no credentials');
  t.is(authn.authenticate(request({ authorization: 'Basic YTpi' })), undefined, 'other schemes are not bearer tokens');
  const ws = `base64url.bearer.authorization.k8s.io.${Buffer.from('secret-token').toString('base64url')}`;
  t.is(authn.authenticate(request({ 'sec-websocket-protocol': `v5.channel.k8s.io, ${ws}` }))?.name, 'alice');
});

for (const [alg, k] of [['RS256', rsa], ['ES256', ec]] as const) {
  test(`ServiceAccount tokens (${alg}) carry upstream's claims and authenticate as the account`, (t) => {
    const token = issueServiceAccountToken(k, sa, { audiences: [k.issuer], expirationSeconds: 3600, now, boundObject: { kind: 'Pod', name: 'web-0', uid: 'pod-uid', node: { name: 'n1', uid: 'node-uid' } } });
    const decoded = jwt.decode(token, { complete: true })!;
    t.is(decoded.header.alg, alg);
    t.truthy(decoded.header.kid);
    const claims = decoded.payload as jwt.JwtPayload;
    t.is(claims.sub, 'system:serviceaccount:apps:bot');
    t.is(claims.exp! - claims.iat!, 3600);
    t.deepEqual(claims['kubernetes.io'], { namespace: 'apps', serviceaccount: { name: 'bot', uid: '5a1e-uid' }, pod: { name: 'web-0', uid: 'pod-uid' }, node: { name: 'n1', uid: 'node-uid' } });
    const user = authenticator({ serviceAccountKey: k, clock: new FakeClock(now.getTime()) }).authenticate(bearer(token))!;
    t.is(user.name, 'system:serviceaccount:apps:bot');
    t.is(user.uid, '5a1e-uid');
    t.deepEqual(user.groups, ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated']);
    t.deepEqual(user.extra?.['authentication.kubernetes.io/pod-name'], ['web-0']);
    t.deepEqual(user.extra?.['authentication.kubernetes.io/node-name'], ['n1']);
    t.regex(user.extra?.['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^JTI=[0-9a-f-]{36}$/);
  });
}

test('expired, wrong-audience, tampered and foreign tokens are 401', (t) => {
  const issue = (opts: Partial<Parameters<typeof issueServiceAccountToken>[2]> = {}, k = rsa) =>
    issueServiceAccountToken(k, sa, { audiences: [rsa.issuer], expirationSeconds: 600, now, ...opts });
  const clock = new FakeClock(now.getTime());
  const authn = authenticator({ serviceAccountKey: rsa, clock });
  unauthorized(t, () => authn.authenticate(bearer(issue({ audiences: ['vault'] }))));
  const [h, p, s] = issue().split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
  unauthorized(t, () => authn.authenticate(bearer(`${h}.${forged}.${s}`)));
  unauthorized(t, () => authn.authenticate(bearer(issue({}, key('rsa', rsa.issuer)))), 'same issuer, another key');
  unauthorized(t, () => authn.authenticate(bearer(issue({}, key('ec', 'https://elsewhere')))), 'another issuer');
  t.truthy(authenticator({ serviceAccountKey: rsa, apiAudiences: ['vault', 'api'], clock }).authenticate(bearer(issue({ audiences: ['api'] }))));
  clock.advance(600_000 + 30_000);
  t.truthy(authn.authenticate(bearer(issue())), 'within the 60 s leeway');
  clock.advance(90_000);
  unauthorized(t, () => authn.authenticate(bearer(issue())));
});

test('bearerToken reads the Authorization header as upstream splits it', (t) => {
  const tokenOf = (authorization: string) => bearerToken({ headers: { authorization } } as unknown as IncomingMessage);
  t.is(tokenOf('Bearer abc'), 'abc');
  t.is(tokenOf('bearer abc '), 'abc');
  t.is(tokenOf('Bearer abc def'), 'abc', 'a third part is ignored');
  t.is(tokenOf('Bearer  abc'), undefined, 'a space before the token: no token (upstream warns and ignores it)');
  t.is(tokenOf('Bearer\tabc'), undefined);
  t.is(tokenOf('Basic YTpi'), undefined);
  t.is(tokenOf('Bearer'), undefined);
});
