import test from 'ava';
import type { Container } from '../../../../src/api/types.js';
import { containerEnv, expand } from '../../../../src/kubelet/pods/expand.js';

const vars = new Map([['A', 'alpha'], ['B', 'beta']]);
const look = (n: string) => vars.get(n);

test('$(VAR) expansion follows upstream: known names replaced, unknown kept, $$ escapes, unfinished kept', (t) => {
  t.is(expand('x$(A)y', look), 'xalphay');
  t.is(expand('$(A)$(B)', look), 'alphabeta');
  t.is(expand('$(C)', look), '$(C)');
  t.is(expand('$$(A)', look), '$(A)');
  t.is(expand('$$$(A)', look), '$alpha');
  t.is(expand('$(A', look), '$(A');
  t.is(expand('a$b', look), 'a$b');
  t.is(expand('end$', look), 'end$');
  t.is(expand('$()', look), '$()');
});

test('env values see the variables defined before them; a later duplicate wins', (t) => {
  const c: Container = { name: 'c', env: [{ name: 'A', value: 'one' }, { name: 'B', value: '$(A)-two' }, { name: 'C', value: '$(D)' }, { name: 'D', value: 'late' }, { name: 'A', value: 'again' }] };
  t.deepEqual(containerEnv({ metadata: {} }, c), [{ name: 'A', value: 'again' }, { name: 'B', value: 'one-two' }, { name: 'C', value: '$(D)' }, { name: 'D', value: 'late' }]);
});

test('fieldRef variables come from the pod (the downward API) and later values may refer to them; other sources are left out', (t) => {
  const pod = { metadata: { name: 'web', namespace: 'shop', labels: { app: 'x' } }, spec: { nodeName: 'n1', containers: [] } };
  const c = { name: 'c', env: [
    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
    { name: 'KEY', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } },
    { name: 'WHERE', value: '$(POD).$(NS)@$(NODE)' },
    { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ] };
  t.deepEqual(containerEnv(pod, c), [
    { name: 'POD', value: 'web' }, { name: 'APP', value: 'x' }, { name: 'WHERE', value: 'web.$(NS)@$(NODE)' }, { name: 'NS', value: 'shop' }, { name: 'NODE', value: 'n1' },
  ]);
});
