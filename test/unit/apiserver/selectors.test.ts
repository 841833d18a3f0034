import test from 'ava';
import { findResource } from '../../../src/api/resources.js';
import { fieldMatcher, matchLabels, parseFieldSelector, parseLabelSelector } from '../../../src/apiserver/storage/selectors.js';
import { ApiError } from '../../../src/apiserver/status.js';

const pods = findResource('', 'v1', 'pods')!;
const secrets = findResource('', 'v1', 'secrets')!;

test('label selectors: every operator of the grammar', (t) => {
  const l = { app: 'web', tier: 'fe' };
  const m = (s: string) => matchLabels(parseLabelSelector(s), l);
  t.true(m('app=web'));
  t.true(m('app==web,tier'));
  t.false(m('app!=web'));
  t.true(m('app in (db, web)'));
  t.false(m('app notin (web)'));
  t.true(m('!missing'));
  t.false(m('!app'));
  t.true(m('missing!=x'));
  t.true(m(''));
  t.true(m('example.com/key notin (a)'));
});

test('bad label selectors are 400s', (t) => {
  for (const s of ['app in (a', 'app ~ b', '=x', 'a=b c', 'app=-bad-']) {
    const err = t.throws(() => parseLabelSelector(s), { instanceOf: ApiError }, s);
    t.is(err?.code, 400);
  }
});

test('field selectors: common and per-type fields, escapes, unsupported fields are 400', (t) => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1', restartPolicy: 'Always' }, status: { phase: 'Running', podIP: '10.0.0.1' } };
  const f = (s: string) => fieldMatcher(pods, parseFieldSelector(s))(pod);
  t.true(f('metadata.name=p,metadata.namespace=ns'));
  t.true(f('spec.nodeName=n1,status.phase!=Pending'));
  t.false(f('spec.nodeName='));
  t.true(f('status.podIP==10.0.0.1'));
  t.deepEqual(parseFieldSelector('a=x\\,y'), [{ field: 'a', op: '=', value: 'x,y' }]);
  t.true(fieldMatcher(secrets, parseFieldSelector('type=Opaque'))({ type: 'Opaque', metadata: {} }));
  const err = t.throws(() => fieldMatcher(secrets, parseFieldSelector('spec.nodeName=x')), { instanceOf: ApiError });
  t.is(err?.code, 400);
  t.is(err?.message, 'field label not supported: spec.nodeName');
});

test('field and label selectors: Object.prototype member names are not field labels or labels', (t) => {
  for (const field of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const err = t.throws(() => fieldMatcher(pods, parseFieldSelector(`${field}=x`)), { instanceOf: ApiError }, field);
    t.is(err?.message, `field label not supported: ${field}`);
  }
  t.false(matchLabels(parseLabelSelector('constructor'), { app: 'web' }), 'Exists on an inherited name');
  t.true(matchLabels(parseLabelSelector('!toString'), { app: 'web' }));
});

test('set-based requirements are read into a Set, so matching costs the same for 3 or 3,000 values', (t) => {
  const values = Array.from({ length: 3000 }, (_, i) => `v${i}`);
  const [req] = parseLabelSelector(`k in (${values.join(',')},v7)`);
  t.true(req!.op === 'in' && req!.values instanceof Set && req!.values.size === 3000);
  t.true(matchLabels([req!], { k: 'v2999' }));
  t.false(matchLabels([req!], { k: 'v3000' }));
  t.false(matchLabels(parseLabelSelector(`k notin (${values.join(',')})`), { k: 'v0' }));
  t.true(matchLabels(parseLabelSelector('k in ()'), { k: '' }), "'()' is the set of the empty value, as upstream parses it");
});
