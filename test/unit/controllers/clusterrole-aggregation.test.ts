// The ClusterRole aggregation controller: the pure rule gathering, the level-triggered loop
// over a fake lister/client, and the running server (admin/edit/view filled at start, a new
// labelled role flowing into view, then edit and admin).
import test from 'ava';
import { selectorMatches } from '../../../src/api/validation.js';
import { aggregatedRules, sameRules } from '../../../src/controllers/clusterrole-aggregation/aggregate.js';
import { clusterRoleAggregation } from '../../../src/controllers/clusterrole-aggregation/controller.js';
import type { ClusterRole, LabelSelector, PolicyRule } from '../../../src/api/types.js';
import { startAuthFixture, until } from '../apiserver/fixture.js';

const role = (name: string, labels: Record<string, string>, rules: PolicyRule[], aggregateFrom?: LabelSelector[]): ClusterRole => ({
  metadata: { name, labels }, rules, ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: aggregateFrom } } : {}),
});
const get = (r: string): PolicyRule => ({ apiGroups: [''], resources: [r], verbs: ['get'] });

test('rules are gathered per selector, from matching roles sorted by name, each rule once, never from itself', (t) => {
  const all = [
    role('z', { a: 'true' }, [get('pods'), get('secrets')]),
    role('b', { a: 'true', b: 'true' }, [get('secrets'), get('nodes')]),
    role('other', { c: 'true' }, [get('leases')]),
    role('agg', { a: 'true' }, [get('stale')], [{ matchLabels: { a: 'true' } }, { matchExpressions: [{ key: 'c', operator: 'Exists' }] }]),
  ];
  t.deepEqual(aggregatedRules(all[3]!, all), [get('secrets'), get('nodes'), get('pods'), get('leases')]);
  t.is(aggregatedRules(all[0]!, all), undefined, 'no aggregationRule: not managed');
  t.deepEqual(aggregatedRules(role('none', {}, [get('x')], []), all), [], 'an empty selector list gathers nothing');
});

test('label selectors: matchLabels and every operator; inherited keys never match', (t) => {
  const labels = { tier: 'web', env: 'prod' };
  t.true(selectorMatches({ matchLabels: { tier: 'web' } }, labels));
  t.false(selectorMatches({ matchLabels: { tier: 'db' } }, labels));
  t.true(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, labels));
  t.false(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels));
  t.true(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, labels));
  t.false(selectorMatches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, labels));
  t.false(selectorMatches({ matchLabels: { toString: 'x' } }, labels));
  t.true(selectorMatches({}, labels), 'an empty selector matches everything, as upstream');
});

test('rule lists compare as upstream: order counts, a missing list equals an empty one', (t) => {
  t.true(sameRules([{ verbs: ['get'], resources: ['pods'] }], [{ verbs: ['get'], resources: ['pods'], apiGroups: [] }]));
  t.false(sameRules([get('a'), get('b')], [get('b'), get('a')]));
  t.true(sameRules(undefined, []));
});

test('the loop writes only roles whose rules differ, settles chains, and retries a failed write', async (t) => {
  const roles = new Map<string, any>([
    ['view', role('view', { 'agg-edit': 'true' }, [], [{ matchLabels: { 'agg-view': 'true' } }])],
    ['edit', role('edit', {}, [], [{ matchLabels: { 'agg-edit': 'true' } }])],
    ['pods-reader', role('pods-reader', { 'agg-view': 'true' }, [get('pods')])],
    ['plain', role('plain', {}, [get('x')])],
  ]);
  const writes: string[] = [];
  let failures = 2; // the second sweep fails too: the pass ends and its retry comes from the backoff timer
  const c = clusterRoleAggregation({
    list: () => [...roles.values()],
    async writeRules(name, rules) {
      if (name === 'edit' && failures > 0) { failures--; throw new Error('conflict'); }
      writes.push(name);
      roles.set(name, { ...roles.get(name), rules });
      c.changed(); // the informer would see the write
    },
    retryMs: 1,
  });
  c.changed();
  while (roles.get('edit').rules.length !== 1) await new Promise((res) => setTimeout(res, 5));
  await c.idle();
  t.deepEqual(roles.get('view').rules, [get('pods')]);
  t.deepEqual(roles.get('edit').rules, [get('pods')], 'edit gathers view once view is filled, after its failed write is retried');
  t.false(writes.includes('plain'));
  const before = writes.length;
  c.changed();
  await c.idle();
  t.is(writes.length, before, 'nothing differs: nothing written');
  c.stop();
});

test('in the server: admin/edit/view are filled at start, and a labelled role flows into view, edit and admin', async (t) => {
  const f = await startAuthFixture(t);
  const rules = async (name: string) => (await f.call('GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`)).json.rules ?? [];
  const view = await rules('view');
  t.true(view.some((r: any) => r.resources?.includes('pods') && r.verbs.includes('list')), JSON.stringify(view));
  t.false(view.some((r: any) => r.resources?.includes('secrets')), 'view does not read secrets');
  const edit = await rules('edit');
  t.true(edit.some((r: any) => r.resources?.includes('secrets') && r.verbs.includes('create')));
  t.true(edit.some((r: any) => r.resources?.includes('pods') && r.verbs.includes('list')), 'the view -> edit chain is settled before the server serves');
  t.true((await rules('admin')).some((r: any) => r.resources?.includes('rolebindings')));
  const created = await f.call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
    metadata: { name: 'widgets-reader', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
    rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }],
  });
  t.is(created.status, 201, created.text);
  const has = (r: any) => r.json?.rules?.some((x: any) => x.apiGroups?.includes('example.com'));
  for (const name of ['view', 'edit', 'admin']) {
    await until(() => f.call('GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`), has);
    t.pass(`${name} has the widgets rule`);
  }
  t.is((await f.call('DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterroles/widgets-reader')).status, 200);
  await until(() => f.call('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin'), (r) => !has(r));
  t.pass('and leaves them when the role goes');
});
