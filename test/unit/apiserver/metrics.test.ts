// GET /metrics (issue 19): the storage metrics under upstream's names, in Prometheus text
// format, authorized as upstream (admin yes, anonymous no: only system:monitoring and
// cluster-admin are granted /metrics).
import test from 'ava';
import { resourceOfKey } from '../../../src/apiserver/wiring/measured-store.js';
import { startFixture } from './fixture.js';

/** The value of one sample line, e.g. `apiserver_storage_objects{resource="configmaps"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('storage size, object counts per resource, request latency and the watch caches\' bytes', async (t) => {
  const { call, watch } = await startFixture(t);
  const w = watch('/api/v1/namespaces/default/configmaps?watch=true');
  for (const name of ['a', 'b', 'c']) {
    const made = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'x'.repeat(1000) } });
    t.is(made.status, 201, made.text);
  }
  await w.next(3);
  const res = await call('GET', '/metrics');
  t.is(res.status, 200, res.text);
  t.regex(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  t.is(sample(res.text, 'apiserver_storage_objects{resource="configmaps"}'), 3);
  t.is(sample(res.text, 'apiserver_storage_objects{resource="deployments.apps"}'), 0);
  // One series for the Events both APIs share.
  t.false(res.text.includes('resource="events.events.k8s.io"'));
  t.true(sample(res.text, 'apiserver_storage_db_total_size_in_bytes{endpoint=""}')! > 3000);
  t.true(sample(res.text, 'skiff_storage_db_in_use_bytes{endpoint=""}')! > 3000);
  t.is(sample(res.text, 'etcd_request_duration_seconds_count{operation="create",type="configmaps"}'), 3);
  t.true(sample(res.text, 'etcd_request_duration_seconds_bucket{le="60",operation="create",type="configmaps"}') === 3);
  t.true(sample(res.text, 'skiff_watch_cache_bytes')! > 3000);
  t.regex(res.text, /^process_resident_memory_bytes \d+/m);
});

test('/metrics is authorized as upstream: anonymous is refused; only GET and HEAD', async (t) => {
  const { call } = await startFixture(t);
  const anon = await call('GET', '/metrics', undefined, {}, { cert: false });
  t.is(anon.status, 403);
  t.like(anon.json, { kind: 'Status', reason: 'Forbidden', message: 'forbidden: User "system:anonymous" cannot get path "/metrics"' });
  const post = await call('POST', '/metrics', {});
  t.is(post.status, 405);
  const head = await call('HEAD', '/metrics');
  t.is(head.status, 200);
  t.is(head.text, '');
});

test('the type label is upstream\'s group-resource', (t) => {
  t.is(resourceOfKey('/registry/core/configmaps/default/a'), 'configmaps');
  t.is(resourceOfKey('/registry/apps/deployments/default/a'), 'deployments.apps');
  t.is(resourceOfKey('/registry/core/namespaces/'), 'namespaces');
  t.is(resourceOfKey('/other'), 'unknown');
});
