import test from 'ava';
import type { Pod } from '../../../../src/api/types.js';
import { parseResolvConf, podDnsConfig } from '../../../../src/kubelet/pods/dns.js';

const host = parseResolvConf('# generated\nnameserver 192.0.2.53\nnameserver 192.0.2.54 ; second\nsearch corp.example lab.example\noptions edns0 ndots:2\n');
const ctx = { clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local' };

const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'web', namespace: 'shop', uid: 'u-1' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });

test('resolv.conf: nameservers in order, the last search line, options; comments dropped', (t) => {
  t.deepEqual(host, { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'ndots:2'] });
});

test('ClusterFirst: the cluster DNS, the namespace search path before the node\'s, ndots:5', (t) => {
  t.deepEqual(podDnsConfig(pod(), { clusterDns: ctx.clusterDns, clusterDomain: ctx.clusterDomain, host }), {
    servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'], options: ['ndots:5'],
  });
});

test('Default, ClusterFirst on the host network and ClusterFirst without a cluster DNS all use the node\'s resolv.conf', (t) => {
  const dctx = { clusterDns: ctx.clusterDns, clusterDomain: ctx.clusterDomain, host };
  t.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), dctx), host);
  t.deepEqual(podDnsConfig(pod({ hostNetwork: true }), dctx), host);
  t.deepEqual(podDnsConfig(pod(), { ...dctx, clusterDns: [] }), host);
  t.deepEqual(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), dctx).servers, ['10.96.0.10']);
});

test('None takes dnsConfig alone; dnsConfig is appended without duplicates and its options override by name', (t) => {
  const dctx = { clusterDns: ctx.clusterDns, clusterDomain: ctx.clusterDomain, host };
  t.deepEqual(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '1' }, { name: 'rotate' }] } }), dctx),
    { servers: ['1.1.1.1'], searches: ['a.example'], options: ['ndots:1', 'rotate'] });
  const merged = podDnsConfig(pod({ dnsConfig: { nameservers: ['10.96.0.10', '1.1.1.1'], searches: ['svc.cluster.local', 'x.example'], options: [{ name: 'ndots', value: '2' }] } }), dctx);
  t.deepEqual(merged.servers, ['10.96.0.10', '1.1.1.1']);
  t.deepEqual(merged.searches, ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'x.example']);
  t.deepEqual(merged.options, ['ndots:2']);
});
