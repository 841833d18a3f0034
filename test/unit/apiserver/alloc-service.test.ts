import test from 'ava';
import { ServiceAllocator } from '../../../src/apiserver/alloc/index.js';
import { ApiError } from '../../../src/apiserver/status.js';
import { MemoryStore } from '../../../src/store/memory.js';

const svc = (name: string, spec: any = {}) => ({ metadata: { namespace: 'default', name }, spec: { ports: [{ port: 80, protocol: 'TCP' }], ...spec } });

async function rejects(t: any, p: Promise<unknown>, code: number, message: string) {
  const err = await t.throwsAsync(p, { instanceOf: ApiError });
  t.is(err.code, code);
  t.is(err.message, message);
  return err as ApiError;
}

test('200 parallel ClusterIP allocations are all distinct, inside the CIDR, never the kubernetes IP', async (t) => {
  const store = new MemoryStore();
  const alloc = new ServiceAllocator(store);
  const services = Array.from({ length: 200 }, (_, i) => svc(`s${i}`));
  await Promise.all(services.map((s) => alloc.allocate(s)));
  const ips = services.map((s) => s.spec.clusterIP as string);
  t.is(new Set(ips).size, 200);
  t.true(ips.every((ip) => alloc.serviceRange.offsetOf(ip) !== undefined));
  t.false(ips.includes('10.96.0.1'));
  t.true(services.every((s: any) => s.spec.clusterIPs[0] === s.spec.clusterIP && s.spec.ipFamilies[0] === 'IPv4' && s.spec.ipFamilyPolicy === 'SingleStack'));
  t.deepEqual(await new ServiceAllocator(store).usage(), { clusterIPs: 200, nodePorts: 0 }, 'persisted: a fresh allocator sees them');
});

test('allocators of several servers on one store never hand out a value twice', async (t) => {
  const store = new MemoryStore();
  const servers = Array.from({ length: 4 }, () => new ServiceAllocator(store, { serviceCidr: '10.96.0.0/24', nodePortRange: [30000, 30299] }));
  const services = Array.from({ length: 200 }, (_, i) => svc(`s${i}`, { type: 'NodePort' }));
  await Promise.all(services.map((s, i) => servers[i % 4]!.allocate(s)));
  t.is(new Set(services.map((s: any) => s.spec.clusterIP)).size, 200);
  t.is(new Set(services.map((s: any) => s.spec.ports[0].nodePort)).size, 200);
  t.deepEqual(await new ServiceAllocator(store, { serviceCidr: '10.96.0.0/24', nodePortRange: [30000, 30299] }).usage(), { clusterIPs: 200, nodePorts: 200 });
});

test('a requested ClusterIP is honoured once; taken, out of range or garbage gets upstream 422s', async (t) => {
  const alloc = new ServiceAllocator(new MemoryStore());
  const a = svc('a', { clusterIP: '10.96.0.10' });
  await alloc.allocate(a);
  t.deepEqual(a.spec.clusterIPs, ['10.96.0.10']);
  const err = await rejects(t, alloc.allocate(svc('b', { clusterIP: '10.96.0.10' })), 422,
    'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated');
  t.deepEqual(err.status.details?.causes, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated' }]);
  await rejects(t, alloc.allocate(svc('c', { clusterIP: '10.112.0.1' })), 422,
    'Service "c" is invalid: spec.clusterIPs: Invalid value: []string{"10.112.0.1"}: failed to allocate IP 10.112.0.1: the provided IP (10.112.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
  await rejects(t, alloc.allocate(svc('d', { clusterIP: 'ten' })), 422, 'Service "d" is invalid: spec.clusterIPs: Invalid value: []string{"ten"}: failed to parse IP');
  await alloc.allocate(svc('kubernetes', { clusterIP: alloc.kubernetesServiceIP }));
  t.is((await alloc.usage()).clusterIPs, 2);
});

test('headless and ExternalName services get no ClusterIP', async (t) => {
  const alloc = new ServiceAllocator(new MemoryStore());
  const headless = svc('h', { clusterIP: 'None' });
  const external = svc('e', { type: 'ExternalName', externalName: 'example.org' });
  await alloc.allocate(headless);
  await alloc.allocate(external);
  t.deepEqual(headless.spec.clusterIPs, ['None']);
  t.is((external.spec as any).clusterIP, undefined);
  t.deepEqual(await alloc.usage(), { clusterIPs: 0, nodePorts: 0 });
});

test('a dual-stack request on a single-stack cluster is refused as upstream', async (t) => {
  const alloc = new ServiceAllocator(new MemoryStore());
  await rejects(t, alloc.allocate(svc('r', { ipFamilyPolicy: 'RequireDualStack' })), 422,
    'Service "r" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
  await rejects(t, alloc.allocate(svc('v6', { ipFamilies: ['IPv6'] })), 422, 'Service "v6" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster');
  const prefer = svc('p', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] });
  await alloc.allocate(prefer);
  t.deepEqual((prefer.spec as any).ipFamilies, ['IPv4']);
  t.is((await alloc.usage()).clusterIPs, 1);
});

test('NodePort services get node ports; TCP and UDP twins share one; a taken port is a 422', async (t) => {
  const alloc = new ServiceAllocator(new MemoryStore());
  const dns = svc('dns', { type: 'NodePort', ports: [{ port: 53, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }, { port: 9153, protocol: 'TCP', nodePort: 30080 }] });
  await alloc.allocate(dns);
  const [tcp, udp, metrics] = dns.spec.ports as any[];
  t.true(tcp.nodePort >= 30000 && tcp.nodePort <= 32767);
  t.is(udp.nodePort, tcp.nodePort);
  t.is(metrics.nodePort, 30080);
  t.is((await alloc.usage()).nodePorts, 2);
  await rejects(t, alloc.allocate(svc('x', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })), 422,
    'Service "x" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  await rejects(t, alloc.allocate(svc('y', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] })), 422,
    'Service "y" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767');
  t.deepEqual(await alloc.usage(), { clusterIPs: 1, nodePorts: 2 }, 'the failed requests left nothing allocated');
});

test('LoadBalancer: node ports unless opted out, and a health-check node port for Local traffic', async (t) => {
  const alloc = new ServiceAllocator(new MemoryStore());
  const lb = svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  await alloc.allocate(lb);
  t.truthy((lb.spec.ports as any)[0].nodePort);
  t.truthy((lb.spec as any).healthCheckNodePort);
  t.not((lb.spec as any).healthCheckNodePort, (lb.spec.ports as any)[0].nodePort);
  const bare = svc('bare', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
  await alloc.allocate(bare);
  t.is((bare.spec.ports as any)[0].nodePort, undefined);
  await rejects(t, alloc.allocate(svc('hc', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: (lb.spec as any).healthCheckNodePort })), 422,
    `Service "hc" is invalid: spec.healthCheckNodePort: Invalid value: ${(lb.spec as any).healthCheckNodePort}: failed to allocate requested HealthCheck NodePort ${(lb.spec as any).healthCheckNodePort}: provided port is already allocated`);
  t.deepEqual(await alloc.usage(), { clusterIPs: 2, nodePorts: 2 });
});

test('a full range answers 500 as upstream, and release makes room again', async (t) => {
  const alloc = new ServiceAllocator(new MemoryStore(), { serviceCidr: '10.96.0.0/29' });
  const five = Array.from({ length: 5 }, (_, i) => svc(`s${i}`));
  for (const s of five) await alloc.allocate(s);
  await rejects(t, alloc.allocate(svc('six')), 500, 'Internal error occurred: failed to allocate a serviceIP: range is full');
  await alloc.release(five[0]!);
  const again = svc('again');
  await alloc.allocate(again);
  t.is(again.spec.clusterIP, five[0]!.spec.clusterIP);
});

test('an update keeps omitted values, and commit frees what the new object gave up', async (t) => {
  const alloc = new ServiceAllocator(new MemoryStore());
  const old = svc('web', { type: 'NodePort' });
  await alloc.allocate(old);
  const replaced = svc('web', { type: 'NodePort' });
  await (await alloc.allocate(replaced, old)).commit();
  t.is(replaced.spec.clusterIP, (old.spec as any).clusterIP);
  t.is((replaced.spec.ports as any)[0].nodePort, (old.spec.ports as any)[0].nodePort);
  t.deepEqual(await alloc.usage(), { clusterIPs: 1, nodePorts: 1 });

  const toClusterIP = svc('web', { type: 'ClusterIP' });
  const a = await alloc.allocate(toClusterIP, replaced);
  t.deepEqual(await alloc.usage(), { clusterIPs: 1, nodePorts: 1 }, 'still held until the write commits');
  await a.commit();
  t.deepEqual(await alloc.usage(), { clusterIPs: 1, nodePorts: 0 });

  const toExternal = svc('web', { type: 'ExternalName', externalName: 'example.org' });
  await (await alloc.allocate(toExternal, toClusterIP)).commit();
  t.deepEqual(await alloc.usage(), { clusterIPs: 0, nodePorts: 0 });
});

test('undo frees what a create took when the write of the object fails', async (t) => {
  const alloc = new ServiceAllocator(new MemoryStore());
  const s = svc('web', { type: 'NodePort' });
  const a = await alloc.allocate(s);
  t.deepEqual(await alloc.usage(), { clusterIPs: 1, nodePorts: 1 });
  await a.undo();
  t.deepEqual(await alloc.usage(), { clusterIPs: 0, nodePorts: 0 });
});

test('repair rebuilds the bitmaps from the services that exist and reports duplicates', async (t) => {
  const store = new MemoryStore();
  const alloc = new ServiceAllocator(store);
  const kept = svc('kept', { type: 'NodePort' });
  await alloc.allocate(kept);
  await alloc.allocate(svc('leaked')); // allocated, never stored
  const dup = svc('dup', { clusterIP: kept.spec.clusterIP });
  const outside = svc('outside', { clusterIP: '192.168.0.1' });
  const report = await new ServiceAllocator(store).repair([kept, dup, outside]);
  t.is(report.problems.length, 2);
  t.regex(report.problems[0]!, /default\/dup was assigned to multiple services \(also default\/kept\)/);
  t.regex(report.problems[1]!, /192\.168\.0\.1 of service default\/outside is not within the service CIDR 10\.96\.0\.0\/12/);
  t.deepEqual(await alloc.usage(), { clusterIPs: 1, nodePorts: 1 });
  await rejects(t, alloc.allocate(svc('again', { clusterIP: kept.spec.clusterIP })), 422,
    `Service "again" is invalid: spec.clusterIPs: Invalid value: []string{"${kept.spec.clusterIP}"}: failed to allocate IP ${kept.spec.clusterIP}: provided IP is already allocated`);
});
