// Rule coverage as upstream's escalation check computes it (component-helpers
// auth/rbac/validation Covers), and the compact description of what is missing.
import test from 'ava';
import fc from 'fast-check';
import { ruleAllows } from '../../../../src/apiserver/auth/rbac.js';
import type { Attributes } from '../../../../src/apiserver/auth/types.js';
import { breakdownRule, covers, describeMissing, compactString } from '../../../../src/apiserver/auth/rule-coverage.js';
import type { PolicyRule } from '../../../../src/apiserver/auth/rbac.js';

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule =>
  ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });
const u = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

test('a rule breaks down into one atom per group, resource, verb and name; URLs only with verbs', (t) => {
  t.deepEqual(breakdownRule(r(['get', 'list'], ['', 'apps'], ['pods'], ['a'])), [
    r(['get'], [''], ['pods'], ['a']), r(['list'], [''], ['pods'], ['a']),
    r(['get'], ['apps'], ['pods'], ['a']), r(['list'], ['apps'], ['pods'], ['a']),
  ]);
  t.deepEqual(breakdownRule(u(['get', 'post'], ['/a'])), [u(['get'], ['/a']), u(['post'], ['/a'])]);
  t.deepEqual(breakdownRule({ verbs: ['get'] }), [], 'nothing to grant: nothing to cover');
});

test('exact rules are covered by themselves and by wider ones; atoms may be covered by different rules', (t) => {
  t.true(covers([r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods'])]).covered);
  t.true(covers([r(['get'], [''], ['pods']), r(['list'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods'])]).covered);
  t.false(covers([r(['get'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods'])]).covered);
});

test('`*` covers every verb, group and resource, but only in its own field', (t) => {
  t.true(covers([r(['*'], ['*'], ['*'])], [r(['get', 'escalate'], ['rbac.authorization.k8s.io', ''], ['roles', 'pods/exec'])]).covered);
  t.false(covers([r(['*'], [''], ['*'])], [r(['get'], ['apps'], ['deployments'])]).covered, 'group "" is not *');
  t.false(covers([r(['get'], ['*'], ['*'])], [r(['*'], [''], ['secrets'])]).covered, 'holding get is not holding *');
  t.false(covers([r(['get', 'list'], [''], ['secrets'])], [r(['get'], [''], ['*'])]).covered, 'a resource * is not covered by a list of resources');
});

test('subresources: `pods/*` is no wildcard, `*/status` covers every status', (t) => {
  t.true(covers([r(['get'], [''], ['*/status'])], [r(['get'], [''], ['pods/status', 'nodes/status'])]).covered);
  t.false(covers([r(['get'], [''], ['*/status'])], [r(['get'], [''], ['pods'])]).covered);
  t.false(covers([r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods/log'])]).covered, 'the resource does not cover its subresources');
  t.false(covers([r(['get'], [''], ['pods/*'])], [r(['get'], [''], ['pods/log'])]).covered, 'pods/* matches only a subresource literally named *');
  t.true(covers([r(['get'], [''], ['pods/*'])], [r(['get'], [''], ['pods/*'])]).covered);
});

test('resourceNames: an unrestricted rule covers any names; named rules cover only those names', (t) => {
  t.true(covers([r(['get'], [''], ['secrets'])], [r(['get'], [''], ['secrets'], ['a', 'b'])]).covered);
  t.true(covers([r(['get'], [''], ['secrets'], ['a', 'b'])], [r(['get'], [''], ['secrets'], ['a'])]).covered);
  const partial = covers([r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'], ['a', 'b'])]);
  t.deepEqual(partial.missing, [r(['get'], [''], ['secrets'], ['b'])]);
  t.false(covers([r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'])]).covered, 'a named rule does not cover all names');
});

test('nonResourceURLs: exact, `*`, and prefixes ending in `*`; resource rules never cover them', (t) => {
  t.true(covers([u(['get'], ['/healthz'])], [u(['get'], ['/healthz'])]).covered);
  t.true(covers([u(['get'], ['*'])], [u(['get'], ['/anything/at/all'])]).covered);
  t.true(covers([u(['get'], ['/apis/*'])], [u(['get'], ['/apis/apps', '/apis/*'])]).covered);
  t.false(covers([u(['get'], ['/apis/*'])], [u(['get'], ['/api'])]).covered);
  t.false(covers([u(['get'], ['/healthz'])], [u(['get'], ['/healthz/*'])]).covered, 'a star in the wanted URL is literal');
  t.false(covers([r(['*'], ['*'], ['*'])], [u(['get'], ['/metrics'])]).covered);
  t.false(covers([u(['*'], ['*'])], [r(['get'], [''], ['pods'])]).covered);
});

test('missing rights are described compactly and sorted bytewise, as upstream prints them', (t) => {
  const { missing } = covers([r(['get'], [''], ['pods'])], [r(['*'], ['*'], ['*']), u(['*'], ['*']), r(['get', 'list', 'watch'], [''], ['secrets'])]);
  t.is(describeMissing(missing), [
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "watch"]}',
    '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}',
    '{NonResourceURLs:["*"], Verbs:["*"]}',
  ].join('\n'));
  t.is(compactString(r(['get'], [''], ['secrets'], ['a'])), '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}');
});

// The escalation check and the authorizer must agree: a rule covers a concrete atom exactly when
// it allows the request that atom describes (upstream's two halves, Covers and RuleAllows).
test('property: for concrete atoms, coverage agrees with what the authorizer allows', (t) => {
  const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
  const some = <T>(xs: readonly T[]) => fc.uniqueArray(pick(xs), { minLength: 1, maxLength: 3 });
  const owner = fc.oneof(
    fc.record({ verbs: some(['get', 'list', '*']), apiGroups: some(['', 'apps', '*']), resources: some(['pods', 'pods/log', '*/log', '*', 'secrets']), resourceNames: fc.option(some(['a', 'b']), { nil: undefined }) }),
    fc.record({ verbs: some(['get', 'post', '*']), nonResourceURLs: some(['*', '/healthz', '/heal*', '/apis/*', '/apis']) }),
  );
  const atom = fc.oneof(
    fc.record({ verb: pick(['get', 'list']), group: pick(['', 'apps']), resource: pick(['pods', 'secrets']), sub: pick(['', 'log', 'exec']), name: pick(['', 'a', 'c']) }),
    fc.record({ verb: pick(['get', 'post']), path: pick(['/healthz', '/healthz/ready', '/apis', '/apis/apps', '/api']) }),
  );
  fc.assert(fc.property(owner, atom, (o, at) => {
    const user = { name: 'u', groups: [] };
    let wanted: PolicyRule;
    let attrs: Attributes;
    if ('path' in at) {
      wanted = u([at.verb], [at.path]);
      attrs = { user, verb: at.verb, apiGroup: '', resource: '', path: at.path, resourceRequest: false };
    } else {
      wanted = r([at.verb], [at.group], [at.sub ? `${at.resource}/${at.sub}` : at.resource], at.name ? [at.name] : undefined);
      attrs = { user, verb: at.verb, apiGroup: at.group, resource: at.resource, subresource: at.sub || undefined, name: at.name || undefined, resourceRequest: true };
    }
    return covers([o as PolicyRule], [wanted]).covered === ruleAllows(attrs, o as PolicyRule);
  }), { numRuns: 2000 });
  t.pass();
});
