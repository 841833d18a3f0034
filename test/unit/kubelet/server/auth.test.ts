import test from 'ava';
import { FakeClock } from '../../../../src/host/clock.js';
import { kubeletAttributes } from '../../../../src/kubelet/server/auth.js';
import { TtlCache } from '../../../../src/kubelet/server/ttl-cache.js';

test('paths map to nodes/<subresource> as upstream: stats, metrics, log, everything else proxy', (t) => {
  t.deepEqual(kubeletAttributes('GET', '/stats/summary'), { verb: 'get', subresource: 'stats' });
  t.deepEqual(kubeletAttributes('GET', '/metrics/cadvisor'), { verb: 'get', subresource: 'metrics' });
  t.deepEqual(kubeletAttributes('GET', '/logs/'), { verb: 'get', subresource: 'log' });
  t.deepEqual(kubeletAttributes('GET', '/containerLogs/ns/p/c'), { verb: 'get', subresource: 'proxy' });
  t.deepEqual(kubeletAttributes('POST', '/exec/ns/p/c'), { verb: 'create', subresource: 'proxy' });
  t.deepEqual(kubeletAttributes('GET', '/statsx'), { verb: 'get', subresource: 'proxy' });
  t.deepEqual(kubeletAttributes('HEAD', '/healthz'), { verb: 'get', subresource: 'proxy' });
});

test('cached answers last their TTL on the injected clock', (t) => {
  const clock = new FakeClock();
  const cache = new TtlCache<boolean>(clock);
  cache.set('k', true, 1000);
  clock.advance(999);
  t.true(cache.get('k'));
  clock.advance(1);
  t.is(cache.get('k'), undefined);
});
