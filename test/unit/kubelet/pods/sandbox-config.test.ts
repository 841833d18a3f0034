import test from 'ava';
import type { Pod } from '../../../../src/api/types.js';
import { parseResolvConf } from '../../../../src/kubelet/pods/dns.js';
import { podHostname, sandboxConfig, type SandboxContext } from '../../../../src/kubelet/pods/sandbox-config.js';

const host = parseResolvConf('# generated\nnameserver 192.0.2.53\nnameserver 192.0.2.54 ; second\nsearch corp.example lab.example\noptions edns0 ndots:2\n');
const ctx: SandboxContext = { podLogsDir: '/k/pod-logs', clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolv: host, cgroupRoot: 'skiff-pods' };

const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { app: 'web' }, annotations: { note: 'x' }, ...meta },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

test('the sandbox config names the pod, its log directory, hostname, labels, annotations and pod cgroup as upstream', (t) => {
  const cfg = sandboxConfig(pod(), 2, ctx);
  t.deepEqual(cfg.metadata, { name: 'web', namespace: 'shop', uid: 'u-1', attempt: 2 });
  t.is(cfg.hostname, 'web');
  t.is(cfg.logDirectory, '/k/pod-logs/shop_web_u-1');
  t.deepEqual(cfg.labels, { app: 'web', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'u-1' });
  t.deepEqual(cfg.annotations, { note: 'x' });
  t.is(cfg.linux?.cgroupParent, 'skiff-pods/podu-1');
  t.deepEqual(cfg.linux?.securityContext?.namespaceOptions, { network: 'POD', ipc: 'POD', pid: 'CONTAINER' });
  t.deepEqual(cfg.portMappings, []);
});

test('host namespaces, shared pid, sysctls, run-as ids, groups and privilege reach the sandbox\'s linux config', (t) => {
  const cfg = sandboxConfig(pod({
    hostNetwork: true, hostIPC: true, shareProcessNamespace: true,
    securityContext: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000, supplementalGroups: [4000], sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
    containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }],
  }), 0, ctx);
  t.is(cfg.hostname, undefined, 'a host-network pod keeps the node\'s hostname');
  const sc = cfg.linux?.securityContext;
  t.deepEqual(sc?.namespaceOptions, { network: 'NODE', ipc: 'NODE', pid: 'POD' });
  t.deepEqual(sc?.runAsUser, { value: 1000 });
  t.deepEqual(sc?.runAsGroup, { value: 2000 });
  t.deepEqual(sc?.supplementalGroups, ['3000', '4000']);
  t.true(sc?.privileged);
  t.deepEqual(cfg.linux?.sysctls, { 'net.ipv4.ip_unprivileged_port_start': '0' });
  t.is(sandboxConfig(pod({ hostPID: true }), 0, ctx).linux?.securityContext?.namespaceOptions?.pid, 'NODE');
});

test('port mappings for every container port (hostPort 0 when none), protocol defaulting to TCP', (t) => {
  const cfg = sandboxConfig(pod({ containers: [{ name: 'c', image: 'b', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }, { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }] }] }), 0, ctx);
  t.deepEqual(cfg.portMappings, [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }, { containerPort: 81, hostPort: 0, protocol: 'TCP' }, { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIp: '127.0.0.1' }]);
});

test('hostname: spec.hostname wins; a long name is cut to 63 without a trailing dash', (t) => {
  t.is(podHostname(pod({ hostname: 'db-0' })), 'db-0');
  const long = `${'a'.repeat(62)}-bcd`;
  t.is(podHostname(pod({}, { name: long })), 'a'.repeat(62));
});
