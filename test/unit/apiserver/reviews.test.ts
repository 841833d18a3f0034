// TokenReview, SubjectAccessReview and LocalSubjectAccessReview through the in-process
// apiserver, in the JSON a kubelet's webhook authenticator/authorizer sends and reads.
import test from 'ava';
import { makeServiceAccountKey } from '../../../src/apiserver/wiring/serviceaccount-key.js';
import { startAuthFixture, until, type Fixture } from './fixture.js';

const saKey = makeServiceAccountKey();
const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
const SARS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
const localSars = (ns: string) => `/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`;



const tokenReview = (token: string, audiences?: string[]) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } });

async function serviceAccountToken(f: Fixture, ns: string, audiences?: string[]): Promise<{ token: string; uid: string }> {
  await f.call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const sa = await until(() => f.call('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`), (r) => r.status === 200);
  const issued = await f.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts/default/token`, { spec: audiences ? { audiences } : {} });
  return { token: issued.json.status.token, uid: sa.json.metadata.uid };
}

test('TokenReview: a ServiceAccount token and a static token authenticate; the answer is upstream JSON', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const { token, uid } = await serviceAccountToken(f, 'apps');
  const r = await f.call('POST', TOKEN_REVIEWS, tokenReview(token));
  t.is(r.status, 201, r.text);
  t.like(r.json, { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', status: { authenticated: true, audiences: [saKey.issuer] } });
  t.like(r.json.status.user, { username: 'system:serviceaccount:apps:default', uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated'] });
  t.truthy(r.json.status.user.extra['authentication.kubernetes.io/credential-id']);
  const alice = await f.call('POST', TOKEN_REVIEWS, tokenReview('alice-token'));
  t.deepEqual(alice.json.status, { authenticated: true, user: { username: 'alice', uid: 'uid-alice', groups: ['devs', 'system:authenticated'] }, audiences: [saKey.issuer] });
});

test('TokenReview: bad tokens are not authenticated, with an error that never holds the token', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const { token } = await serviceAccountToken(f, 'apps');
  const unknown = await f.call('POST', TOKEN_REVIEWS, tokenReview('no-such-token-value'));
  t.is(unknown.status, 201);
  t.deepEqual(unknown.json.status, { user: {}, error: 'invalid bearer token' });
  const tampered = `${token.slice(0, -4)}AAAA`;
  const bad = await f.call('POST', TOKEN_REVIEWS, tokenReview(tampered));
  t.is(bad.json.status.authenticated, undefined);
  t.truthy(bad.json.status.error);
  t.false(bad.json.status.error.includes(tampered.slice(-20)));
  const empty = await f.call('POST', TOKEN_REVIEWS, tokenReview(''));
  t.is(empty.status, 400);
  t.is(empty.json.message, 'token is required for TokenReview in authentication');
  t.is((await f.call('GET', TOKEN_REVIEWS)).status, 405, 'create is all a review serves');
});

test('TokenReview audiences: a token is good only for a requested audience it carries', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const { token } = await serviceAccountToken(f, 'apps', ['vault']);
  const mismatch = await f.call('POST', TOKEN_REVIEWS, tokenReview(token));
  t.deepEqual(mismatch.json.status, { user: {}, error: `token audiences ["vault"] is invalid for the target audiences ["${saKey.issuer}"]` });
  const match = await f.call('POST', TOKEN_REVIEWS, tokenReview(token, ['other', 'vault']));
  t.like(match.json.status, { authenticated: true, audiences: ['vault'] });
  const staticElsewhere = await f.call('POST', TOKEN_REVIEWS, tokenReview('alice-token', ['vault']));
  t.deepEqual(staticElsewhere.json.status, { user: {}, error: 'invalid bearer token' }, 'static tokens are good for the API audiences only');
});

test('TokenReview and SubjectAccessReview need create on them (system:auth-delegator grants it)', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const denied = await f.as('alice-token', 'POST', TOKEN_REVIEWS, tokenReview('alice-token'));
  t.is(denied.status, 403);
  t.is(denied.json.message, 'tokenreviews.authentication.k8s.io is forbidden: User "alice" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope');
  await f.call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: 'alice-delegator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
  });
  const allowed = await until(() => f.as('alice-token', 'POST', TOKEN_REVIEWS, tokenReview('alice-token')), (r) => r.status === 201);
  t.true(allowed.json.status.authenticated);
  const sar = await f.as('alice-token', 'POST', SARS, { spec: { user: 'x', nonResourceAttributes: { path: '/healthz', verb: 'get' } } });
  t.is(sar.status, 201, sar.text);
});

test('SubjectAccessReview: allowed and denied for the subject it names, by RBAC', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  await f.call('POST', '/api/v1/namespaces', { metadata: { name: 'team' } });
  await f.call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
    metadata: { name: 'devs-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }],
  });
  const review = (spec: object) => f.call('POST', SARS, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });
  const allowed = await until(() => review({ user: 'dana', groups: ['devs'], resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' } }), (r) => r.json?.status?.allowed === true);
  t.is(allowed.status, 201);
  t.like(allowed.json, { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { user: 'dana', groups: ['devs'] } });
  t.is(allowed.json.status.reason, 'RBAC: allowed by RoleBinding "devs-view/team" of ClusterRole "view" to Group "devs"');
  const denied = await review({ user: 'dana', groups: ['devs'], resourceAttributes: { namespace: 'team', verb: 'create', resource: 'pods' } });
  t.deepEqual(denied.json.status, { allowed: false }, 'no `denied`: RBAC has no opinion rather than a deny');
  const noGroup = await review({ user: 'dana', resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' } });
  t.false(noGroup.json.status.allowed, 'the subject is taken as given');
  const health = await review({ groups: ['system:authenticated'], nonResourceAttributes: { path: '/healthz', verb: 'get' } });
  t.true(health.json.status.allowed);
  const master = await review({ user: 'root', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } });
  t.true(master.json.status.allowed);
});

test('SubjectAccessReview validation: 422 naming the fields, in upstream words', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const noSubject = await f.call('POST', SARS, { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } });
  t.is(noSubject.status, 422);
  t.like(noSubject.json, {
    reason: 'Invalid',
    message: 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    details: { group: 'authorization.k8s.io', kind: 'SubjectAccessReview', causes: [{ reason: 'FieldValueInvalid', field: 'spec.user' }] },
  });
  const neither = await f.call('POST', SARS, { spec: { user: 'x' } });
  t.is(neither.status, 422);
  t.is(neither.json.details.causes[0].field, 'spec.resourceAttributes');
  t.regex(neither.json.message, /exactly one of nonResourceAttributes or resourceAttributes must be specified/);
  const both = await f.call('POST', SARS, { spec: { user: 'x', resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } } });
  t.is(both.json.details.causes[0].field, 'spec.nonResourceAttributes');
  t.regex(both.json.message, /cannot be specified in combination with resourceAttributes/);
  t.is((await f.call('POST', SARS, { kind: 'TokenReview', spec: {} })).status, 400);
});

test('LocalSubjectAccessReview: namespaced, and its namespaces must be the URL one', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  await f.call('POST', '/api/v1/namespaces', { metadata: { name: 'team' } });
  const review = (ns: string, spec: object, metadata: object = {}) => f.call('POST', localSars(ns), { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata, spec });
  const ok = await review('team', { user: 'root', groups: ['system:masters'], resourceAttributes: { namespace: 'team', verb: 'get', resource: 'secrets' } });
  t.is(ok.status, 201, ok.text);
  t.like(ok.json, { kind: 'LocalSubjectAccessReview', metadata: { namespace: 'team' }, status: { allowed: true } });
  const denied = await review('team', { user: 'nobody', resourceAttributes: { namespace: 'team', verb: 'get', resource: 'secrets' } });
  t.false(denied.json.status.allowed);
  const other = await review('team', { user: 'x', resourceAttributes: { namespace: 'elsewhere', verb: 'get', resource: 'pods' } });
  t.is(other.status, 400);
  t.is(other.json.message, 'spec.resourceAttributes.namespace must match namespace: team');
  const meta = await review('team', { user: 'x', resourceAttributes: { namespace: 'team', verb: 'get' } }, { namespace: 'elsewhere' });
  t.is(meta.status, 400);
  const nonResource = await review('team', { user: 'x', nonResourceAttributes: { path: '/healthz', verb: 'get' } });
  t.is(nonResource.status, 422);
  t.regex(nonResource.json.message, /spec.nonResourceAttributes: Invalid value: .*disallowed on this kind of request/);
});
