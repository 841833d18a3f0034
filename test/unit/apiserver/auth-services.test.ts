// Service ClusterIP/NodePort allocation through the in-process apiserver: distinct values
// under concurrency, values freed when a create fails, on delete and when an update gives
// them up, the `kubernetes` Service, and repair at start.
import test from 'ava';
import { startApiServer } from '../../../src/apiserver/server.js';
import { fixtureServerOptions, startFixture, type Fixture } from './fixture.js';

const service = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec },
});

const create = (f: Fixture, name: string, spec?: Record<string, unknown>) => f.call('POST', '/api/v1/namespaces/default/services', service(name, spec));

test('50 parallel NodePort creates get distinct ClusterIPs and NodePorts, never the kubernetes IP', async (t) => {
  const f = await startFixture(t, { services: { serviceCidr: '10.96.0.0/24', nodePortRange: [30000, 30099] } });
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => create(f, `s${i}`, { type: 'NodePort' })));
  t.true(replies.every((r) => r.status === 201), replies.find((r) => r.status !== 201)?.text);
  const ips = replies.map((r) => r.json.spec.clusterIP as string);
  const ports = replies.map((r) => r.json.spec.ports[0].nodePort as number);
  t.is(new Set(ips).size, 50);
  t.is(new Set(ports).size, 50);
  t.false(ips.includes('10.96.0.1'));
  t.true(ips.every((ip) => ip.startsWith('10.96.0.')));
  t.true(ports.every((p) => p >= 30000 && p <= 30099));
  const stored = await f.call('GET', '/api/v1/namespaces/default/services/s7');
  t.is(stored.json.spec.clusterIP, ips[7], 'what the client saw is what was written');
});

test('a failed create frees its ClusterIP; so does a delete', async (t) => {
  const f = await startFixture(t);
  t.is((await create(f, 'a', { clusterIP: '10.96.0.10' })).status, 201);
  const duplicate = await create(f, 'a', { clusterIP: '10.96.0.11' });
  t.is(duplicate.status, 409, 'the name is taken: the write fails after allocation');
  t.is((await create(f, 'b', { clusterIP: '10.96.0.11' })).status, 201, 'the failed create gave 10.96.0.11 back');
  const taken = await create(f, 'c', { clusterIP: '10.96.0.10' });
  t.is(taken.status, 422);
  t.is(taken.json.details.causes[0].field, 'spec.clusterIPs');
  t.is((await f.call('DELETE', '/api/v1/namespaces/default/services/a')).status, 200);
  t.is((await create(f, 'c', { clusterIP: '10.96.0.10' })).status, 201, 'the delete gave 10.96.0.10 back');
});

test('an update that gives up a NodePort frees it once written; a rejected update keeps it', async (t) => {
  const f = await startFixture(t);
  const a = await create(f, 'a', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30500 }] });
  t.is(a.status, 201);
  const stale = await f.call('PUT', '/api/v1/namespaces/default/services/a', { ...a.json, metadata: { ...a.json.metadata, resourceVersion: '1' }, spec: { ...a.json.spec, type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] } });
  t.is(stale.status, 409);
  t.is((await create(f, 'b', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30500 }] })).status, 422, 'still held by a');
  const updated = await f.call('PUT', '/api/v1/namespaces/default/services/a', { ...a.json, spec: { ...a.json.spec, type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] } });
  t.is(updated.status, 200, updated.text);
  t.is(updated.json.spec.clusterIP, a.json.spec.clusterIP, 'the ClusterIP is kept when the client leaves it as it was');
  t.is((await create(f, 'b', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30500 }] })).status, 201);
});

test('the kubernetes Service, Endpoints and EndpointSlice point at this server', async (t) => {
  const f = await startFixture(t);
  const svc = await f.call('GET', '/api/v1/namespaces/default/services/kubernetes');
  t.like(svc.json.spec, { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: f.server.port }] });
  const ep = await f.call('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
  t.deepEqual(ep.json.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: f.server.port, protocol: 'TCP' }] }]);
  const slice = await f.call('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes');
  t.like(slice.json, { addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'] }], ports: [{ port: f.server.port }] });
});

test('a restart on the same store repairs the bitmaps and moves the kubernetes endpoints to the new port', async (t) => {
  const f = await startFixture(t);
  const a = await create(f, 'a', { type: 'NodePort' });
  t.is(a.status, 201);
  const second = await startApiServer(fixtureServerOptions(f.store));
  t.teardown(() => second.close());
  const ep = await f.call('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
  t.is(ep.json.subsets[0].ports[0].port, second.port);
  const clash = await create(f, 'b', { clusterIP: a.json.spec.clusterIP });
  t.is(clash.status, 422, 'repair kept the values in use');
});
