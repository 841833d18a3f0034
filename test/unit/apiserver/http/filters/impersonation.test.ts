// The impersonation filter: without Impersonate-* headers the request goes on as it came; with
// them, each part is authorized for the real requester and the next stage sees the
// impersonated user, or nothing runs and the denied part is a 403.
import test from 'ava';
import type { Attributes, Authorize } from '../../../../../src/apiserver/auth/types.js';
import { withImpersonation } from '../../../../../src/apiserver/http/filters/impersonation.js';
import type { Authenticated } from '../../../../../src/apiserver/http/filters/types.js';
import { incoming, recorder } from './requests.js';

const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const as = (headers: [string, string][]) => ({ ...incoming('GET', '/api/v1/pods', headers), user: admin });

test('no Impersonate-* headers: the same user, and nothing is authorized', async (t) => {
  const asked: Attributes[] = [];
  const authorize: Authorize = async (_u, a) => { asked.push(a); return { allowed: true, reason: '' }; };
  const { seen, next } = recorder<Authenticated>();
  await withImpersonation(authorize, next)(as([]));
  t.is(seen[0]?.user, admin);
  t.is(asked.length, 0);
});

test('allowed: the next stage sees the impersonated user; each part was asked for the requester', async (t) => {
  const asked: Attributes[] = [];
  const authorize: Authorize = async (user, a) => { t.is(user, admin); asked.push(a); return { allowed: true, reason: '' }; };
  const { seen, next } = recorder<Authenticated>();
  await withImpersonation(authorize, next)(as([['Impersonate-User', 'alice'], ['Impersonate-Group', 'devs']]));
  t.deepEqual(seen[0]?.user, { name: 'alice', groups: ['devs', 'system:authenticated'] });
  t.deepEqual(asked.map((a) => [a.verb, a.resource, a.name]), [['impersonate', 'users', 'alice'], ['impersonate', 'groups', 'devs']]);
});

test('denied: a 403 naming the part, in upstream words, and nothing runs', async (t) => {
  const authorize: Authorize = async (_u, a) => ({ allowed: a.resource !== 'groups', reason: '' });
  const { seen, next } = recorder<Authenticated>();
  const err = await t.throwsAsync(withImpersonation(authorize, next)(as([['Impersonate-User', 'alice'], ['Impersonate-Group', 'devs']])));
  t.like(err, { status: { code: 403, message: 'groups "devs" is forbidden: User "admin" cannot impersonate resource "groups" in API group "" at the cluster scope' } });
  t.is(seen.length, 0);
});
