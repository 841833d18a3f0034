// The request-info filter: the next stage sees what the request is about; a malformed path
// stops it with a 400.
import test from 'ava';
import { withRequestInfo } from '../../../../../src/apiserver/http/filters/request-info.js';
import type { Described } from '../../../../../src/apiserver/http/filters/types.js';
import { incoming, recorder } from './requests.js';

const user = { name: 'alice', groups: ['system:authenticated'] };

test('a namespaced list with ?watch is a watch of that resource in that namespace', async (t) => {
  const { seen, next } = recorder<Described>();
  await withRequestInfo(next)({ ...incoming('GET', '/apis/apps/v1/namespaces/web/deployments?watch=1'), user });
  t.like(seen[0]?.info, { resourceRequest: true, verb: 'watch', apiGroup: 'apps', apiVersion: 'v1', namespace: 'web', resource: 'deployments', name: '' });
  t.is(seen[0]?.user, user);
});

test('a malformed percent-encoding is a 400 and nothing runs', async (t) => {
  const { seen, next } = recorder<Described>();
  const err = await t.throwsAsync(withRequestInfo(next)({ ...incoming('GET', '/api/v1/namespaces/%zz/pods'), user }));
  t.like(err, { status: { code: 400 } });
  t.is(seen.length, 0);
});

test('a proxy subresource carries the proxied path; other subresources take no more segments', async (t) => {
  const { seen, next } = recorder<Described>();
  await withRequestInfo(next)({ ...incoming('POST', '/api/v1/nodes/n1/proxy/stats/summary'), user });
  t.like(seen[0]?.info, { resourceRequest: true, verb: 'create', resource: 'nodes', name: 'n1', subresource: 'proxy' });
  const err = await t.throwsAsync(withRequestInfo(next)({ ...incoming('GET', '/api/v1/nodes/n1/status/more'), user }));
  t.like(err, { status: { code: 400 } });
});
