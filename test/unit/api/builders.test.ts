// The test builders (test/helpers/builders.ts) make objects the apiserver would accept.
import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { endpointSlice, hostPort, labeled, node, onNode, pod, service } from '../../helpers/builders.js';

const gvk = (group: string, kind: string) => ({ group, version: 'v1', kind });

test('built objects pass defaulting and validation as they are', (t) => {
  const objects = [
    [gvk('', 'Pod'), pod('ns/web', hostPort(80), onNode('n1'), labeled({ app: 'web' }))],
    [gvk('', 'Service'), service('ns/web', '10.96.0.10:80/TCP', { selector: { app: 'web' }, type: 'NodePort' })],
    [gvk('discovery.k8s.io', 'EndpointSlice'), endpointSlice('ns/web', ['10.244.1.5:8080', '10.244.2.7:8080'], { nodeName: 'n1' })],
    [gvk('', 'Node'), node('n1', { internalIP: '192.168.1.10', podCIDR: '10.244.1.0/24' })],
  ] as const;
  for (const [kind, obj] of objects) {
    defaultObject(kind, obj);
    t.deepEqual(validateObject(kind, obj), [], kind.kind);
  }
});

test('modifiers apply in order to a plain object', (t) => {
  const p = pod('web', hostPort(80), hostPort(53, 'UDP'), onNode('n1'));
  t.deepEqual(p, {
    apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'default', name: 'web' },
    spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'busybox', ports: [{ containerPort: 80, hostPort: 80, protocol: 'TCP' }, { containerPort: 53, hostPort: 53, protocol: 'UDP' }] }] },
  });
});

test('addresses are checked: a typo or mixed ports in one slice is an error, not a silent object', (t) => {
  t.throws(() => service('ns/web', '10.96.0.10'), { message: /ip:port/ });
  t.throws(() => endpointSlice('ns/web', ['10.244.1.5:8080', '10.244.1.6:9090']), { message: /one port set/ });
});

test('chaining builds the same pod as modifiers, without changing the pod it starts from', (t) => {
  const base = pod('ns/web');
  const chained = base.withHostPort(80).onNode('n1').withLabels({ app: 'web' });
  t.deepEqual(chained, pod('ns/web', hostPort(80), onNode('n1'), labeled({ app: 'web' })));
  t.deepEqual(base, pod('ns/web'));
  // The methods are not data: keys, JSON and structuredClone see the pod only.
  t.deepEqual(Object.keys(chained), ['apiVersion', 'kind', 'metadata', 'spec']);
  t.deepEqual(structuredClone(chained), JSON.parse(JSON.stringify(chained)));
  t.deepEqual(chained.with(onNode('n2')).spec?.nodeName, 'n2');
});

test('withContainer appends, withContainers replaces, withSpec sets spec fields', (t) => {
  const web = { name: 'web', image: 'nginx' };
  t.deepEqual(pod('ns/web').withContainer(web).spec?.containers.map((c) => c.name), ['main', 'web']);
  t.deepEqual(pod('ns/web').withContainers(web).spec?.containers, [web]);
  t.like(pod('ns/web').withSpec({ hostNetwork: true, restartPolicy: 'Never' }).spec, { hostNetwork: true, restartPolicy: 'Never', containers: [{ name: 'main' }] });
});

test('IPv6 addresses are written in brackets; a slice has one address family', (t) => {
  t.is(service('kube-system/dns', '[fd00:10:96::a]:53/UDP').spec?.clusterIP, 'fd00:10:96::a');
  t.like(endpointSlice('ns/dns', ['[fd00:244::5]:53/UDP']), { addressType: 'IPv6', endpoints: [{ addresses: ['fd00:244::5'] }], ports: [{ port: 53, protocol: 'UDP' }] });
  t.is(endpointSlice('ns/web', ['10.244.1.5:8080']).addressType, 'IPv4');
  t.throws(() => endpointSlice('ns/web', ['10.244.1.5:8080', '[fd00::5]:8080']), { message: 'builders: one EndpointSlice carries one address family' });
  t.throws(() => service('ns/web', 'fd00::a:80'), { message: /ip:port/ });
});
