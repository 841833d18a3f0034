import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { endpointSlice, node, pod, service } from '../../helpers/builders.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const SERVICE = { group: '', version: 'v1', kind: 'Service' };

test('pod: the chain builds the JSON a client sends, and the apiserver finds it valid', (t) => {
  const p = pod('ns/web').withContainer('web').withHostPort(80).onNode('node-1').withLabels({ app: 'web' }).withLabels({ tier: 'front' });
  t.deepEqual(JSON.parse(JSON.stringify(p)), {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns', labels: { app: 'web', tier: 'front' } },
    spec: { containers: [{ name: 'web', image: 'busybox', ports: [{ containerPort: 80, hostPort: 80 }] }], nodeName: 'node-1' },
  });
  const sent = structuredClone(p);
  defaultObject(POD, sent);
  t.deepEqual(validateObject(POD, sent), []);
});

test('pod: methods are not data, and each returns a new pod', (t) => {
  const base = pod('ns/web');
  const two = base.withContainer('a').withContainer({ name: 'b', image: 'nginx', ports: [{ containerPort: 8080 }] });
  t.deepEqual(Object.keys(base), ['apiVersion', 'kind', 'metadata', 'spec']);
  t.deepEqual(base.spec.containers, []);
  t.deepEqual(two.spec.containers.map((c) => c.name), ['a', 'b']);
  t.deepEqual(structuredClone(two), JSON.parse(JSON.stringify(two)));
  // A fixture passes where a plain object is expected, methods and all.
  t.deepEqual(two, JSON.parse(JSON.stringify(two)));
});

test('pod: withHostPort adds a container named after the pod when there is none; ports and spec fields can be given', (t) => {
  const p = pod('web').withHostPort(8080, { containerPort: 80, protocol: 'UDP', hostIP: '127.0.0.1' }).withHostPort(8443, { containerPort: 443 });
  t.is(p.metadata.namespace, undefined);
  t.deepEqual(p.spec.containers, [{ name: 'web', image: 'busybox', ports: [
    { containerPort: 80, protocol: 'UDP', hostIP: '127.0.0.1', hostPort: 8080 }, { containerPort: 443, hostPort: 8443 }] }]);
  t.deepEqual(p.withSpec({ hostNetwork: true, restartPolicy: 'Never' }).spec, { ...p.spec, hostNetwork: true, restartPolicy: 'Never' });
  t.throws(() => pod('ns/'), { message: 'builders: "ns/" is not "namespace/name"' });
  t.throws(() => pod('a/b/c'), { message: 'builders: "a/b/c" is not "namespace/name"' });
});

test('service: a ClusterIP service from "ip:port/protocol", IPv4 or IPv6, valid for the apiserver', (t) => {
  const s = service('ns/web', '10.96.0.10:80/tcp');
  t.deepEqual(s, {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
  });
  t.deepEqual(validateObject(SERVICE, s), []);
  const dns = service('kube-system/dns', '[fd00:10:96::a]:53/UDP');
  t.deepEqual(dns.spec?.ports, [{ port: 53, protocol: 'UDP', targetPort: 53 }]);
  t.deepEqual(dns.spec?.ipFamilies, ['IPv6']);
  t.is(service('ns/web', '10.96.0.10:80').spec?.ports?.[0]?.protocol, 'TCP');
  t.throws(() => service('ns/web', '10.96.0.10/tcp'), { message: 'builders: "10.96.0.10/tcp" is not "ip:port[/protocol]"' });
  t.throws(() => service('ns/web', '10.96.0.10:0'), { message: 'builders: "10.96.0.10:0" is not "ip:port[/protocol]"' });
  t.throws(() => service('ns/web', '10.96.0.10:80/icmp'), { message: 'builders: unknown protocol in "10.96.0.10:80/icmp" (tcp, udp or sctp)' });
});

test('node: Ready, with the hostname label', (t) => {
  t.deepEqual(node('node-1'), {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
    spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });
  t.deepEqual(validateObject({ group: '', version: 'v1', kind: 'Node' }, node('node-1')), []);
});

test('endpointSlice: one ready endpoint per address, labelled with its service; one family and port per slice', (t) => {
  t.deepEqual(endpointSlice('ns/web', ['10.244.1.5:8080', '10.244.2.3:8080']), {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'web', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true } }, { addresses: ['10.244.2.3'], conditions: { ready: true } }],
    ports: [{ port: 8080, protocol: 'TCP' }],
  });
  t.is(endpointSlice('ns/dns', ['[fd00:244::5]:53/udp']).addressType, 'IPv6');
  t.throws(() => endpointSlice('ns/web', []), { message: 'builders: an EndpointSlice needs at least one address' });
  t.throws(() => endpointSlice('ns/web', ['10.244.1.5:8080', '10.244.2.3:9090']),
    { message: 'builders: 10.244.2.3 differs from 10.244.1.5 in family, port or protocol; one slice has one of each' });
  t.throws(() => endpointSlice('ns/web', ['10.244.1.5:8080', '[fd00::5]:8080']), { message: /differs from 10\.244\.1\.5/ });
});
