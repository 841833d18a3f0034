import test from 'ava';
import { loopbackFor } from '../../../src/cli/controllers.js';

test('the controllers reach a wildcard listen address on loopback, which the serving certificate always names', (t) => {
  t.is(loopbackFor('https://0.0.0.0:6443'), 'https://127.0.0.1:6443');
  t.is(loopbackFor('https://[::]:6443'), 'https://[::1]:6443');
  t.is(loopbackFor('https://10.201.0.2:6443'), 'https://10.201.0.2:6443');
  t.is(loopbackFor('https://127.0.0.1:40000'), 'https://127.0.0.1:40000');
});
