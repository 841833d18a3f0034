// The options of a write (dryRun, fieldManager) as upstream's ValidateCreateOptions and friends
// check them: a 422 Invalid naming CreateOptions/UpdateOptions/PatchOptions/DeleteOptions.
import test from 'ava';
import { startFixture } from './fixture.js';

const CMS = '/api/v1/namespaces/default/configmaps';
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

test('a fieldManager over 128 bytes or with a control character is a 422 per options kind', async (t) => {
  const { call } = await startFixture(t);
  const long = 'm'.repeat(129);
  const created = await call('POST', `${CMS}?fieldManager=${long}`, cm('a'));
  t.is(created.status, 422, created.text);
  t.is(created.json.reason, 'Invalid');
  t.is(created.json.message, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
  t.deepEqual([created.json.details.kind, created.json.details.group], ['CreateOptions', 'meta.k8s.io']);
  t.is((await call('POST', `${CMS}?fieldManager=${'m'.repeat(128)}`, cm('a'))).status, 201);
  const put = await call('PUT', `${CMS}/a?fieldManager=a%07b`, cm('a'));
  t.is(put.status, 422, put.text);
  t.regex(put.json.message, /^UpdateOptions\.meta\.k8s\.io "" is invalid: fieldManager: Invalid value/);
  const patch = await call('PATCH', `${CMS}/a?fieldManager=${long}`, '{}', { 'Content-Type': 'application/merge-patch+json' });
  t.regex(patch.json.message, /^PatchOptions\.meta\.k8s\.io/);
  // 43 three-byte characters are 129 bytes: upstream counts bytes, and any printable letter is fine.
  t.is((await call('PATCH', `${CMS}/a?fieldManager=${encodeURIComponent('é'.repeat(60))}`, '{}', { 'Content-Type': 'application/merge-patch+json' })).status, 200);
  t.is((await call('PATCH', `${CMS}/a?fieldManager=${encodeURIComponent('€'.repeat(43))}`, '{}', { 'Content-Type': 'application/merge-patch+json' })).status, 422);
});

test('an unknown dryRun value is a 422 on writes and ignored by reads', async (t) => {
  const { call } = await startFixture(t);
  const created = await call('POST', `${CMS}?dryRun=Some`, cm('a'));
  t.is(created.status, 422, created.text);
  t.is(created.json.message, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "Some": supported values: "All"');
  t.is((await call('DELETE', `${CMS}/a?dryRun=Some`)).json.details?.kind, 'DeleteOptions');
  t.is((await call('GET', `${CMS}?dryRun=Some&fieldManager=${'m'.repeat(200)}`)).status, 200);
});

test('server-side apply needs a fieldManager, and force belongs to apply only', async (t) => {
  const { call } = await startFixture(t);
  const apply = { 'Content-Type': 'application/apply-patch+yaml' };
  const body = JSON.stringify(cm('s'));
  const unnamed = await call('PATCH', `${CMS}/s`, body, apply);
  t.is(unnamed.status, 422, unnamed.text);
  t.is(unnamed.json.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  t.is((await call('PATCH', `${CMS}/s?fieldManager=me&force=true`, body, apply)).status, 201);
  const forced = await call('PATCH', `${CMS}/s?force=true`, '{}', { 'Content-Type': 'application/merge-patch+json' });
  t.is(forced.status, 422, forced.text);
  t.is(forced.json.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
});
