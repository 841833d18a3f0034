import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import * as build from '../../helpers/builders.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const ctr = (name = 'c', extra: object = {}) => ({ name, image: 'nginx', ...extra });
const pod = (spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [ctr()], ...spec } });
const causes = (spec: object) => validateObject(POD, pod(spec)).map((c) => [c.field, c.message]);
const spread = (extra: object = {}) => ({ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra });

test('a defaulted pod with spread constraints, dnsConfig, host ports and safe sysctls is valid', (t) => {
  const p: any = pod({
    topologySpreadConstraints: [spread({ minDomains: 2, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore', matchLabelKeys: ['pod-template-hash'] }),
      spread({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }), spread({ whenUnsatisfiable: 'ScheduleAnyway' })],
    dnsPolicy: 'None',
    dnsConfig: { nameservers: ['10.96.0.10', '2001:db8::53'], searches: ['default.svc.cluster.local', 'cluster.local.'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    containers: [ctr('a', { ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 8053, protocol: 'UDP' }] }),
      ctr('b', { ports: [{ containerPort: 53, hostPort: 8053 }, { containerPort: 81, hostPort: 8080, hostIP: '127.0.0.1' }] })],
    securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }, { name: 'kernel.shm_rmid_forced', value: '1' }, { name: 'net/ipv4/conf/eno2.100/rp_filter', value: '1' }] },
  });
  defaultObject(POD, p);
  t.deepEqual(validateObject(POD, p), []);
});

test('topologySpreadConstraints: maxSkew, topologyKey, whenUnsatisfiable, minDomains, unique pairs', (t) => {
  t.deepEqual(causes({ topologySpreadConstraints: [spread({ maxSkew: 0 })] }), [['spec.topologySpreadConstraints[0].maxSkew', 'Invalid value: 0: must be greater than zero']]);
  t.deepEqual(causes({ topologySpreadConstraints: [spread({ topologyKey: '' })] }), [['spec.topologySpreadConstraints[0].topologyKey', 'Required value: can not be empty']]);
  t.deepEqual(causes({ topologySpreadConstraints: [spread({ whenUnsatisfiable: 'Whatever' })] }),
    [['spec.topologySpreadConstraints[0].whenUnsatisfiable', 'Unsupported value: "Whatever": supported values: "DoNotSchedule", "ScheduleAnyway"']]);
  t.deepEqual(causes({ topologySpreadConstraints: [spread({ whenUnsatisfiable: 'ScheduleAnyway', minDomains: 3 })] }),
    [['spec.topologySpreadConstraints[0].minDomains', 'Invalid value: 3: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway']]);
  t.deepEqual(causes({ topologySpreadConstraints: [spread({ minDomains: 0 })] }), [['spec.topologySpreadConstraints[0].minDomains', 'Invalid value: 0: must be greater than zero']]);
  t.deepEqual(causes({ topologySpreadConstraints: [spread(), spread({ maxSkew: 2 })] }),
    [['spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}', 'Duplicate value: "{topology.kubernetes.io/zone, DoNotSchedule}"']]);
  t.deepEqual(causes({ topologySpreadConstraints: [spread({ nodeTaintsPolicy: 'Sometimes' })] }),
    [['spec.topologySpreadConstraints[0].nodeTaintsPolicy', 'Unsupported value: "Sometimes": supported values: "Honor", "Ignore"']]);
  t.deepEqual(causes({ topologySpreadConstraints: [spread({ matchLabelKeys: ['app'] })] }),
    [['spec.topologySpreadConstraints[0].matchLabelKeys[0]', 'Invalid value: "app": exists in both matchLabelKeys and labelSelector']]);
});

test('dnsConfig: nameservers are IPs, at most 3; searches at most 32; dnsPolicy None needs nameservers', (t) => {
  t.deepEqual(causes({ dnsPolicy: 'None' }), [['spec.dnsConfig', 'Required value: must provide `dnsConfig` when `dnsPolicy` is None']]);
  t.deepEqual(causes({ dnsPolicy: 'None', dnsConfig: { searches: ['a.b'] } }), [['spec.dnsConfig.nameservers', 'Required value: must provide at least one DNS nameserver when `dnsPolicy` is None']]);
  t.deepEqual(causes({ dnsConfig: { nameservers: ['1.1.1.1', 'dns.example.com'] } }),
    [['spec.dnsConfig.nameservers[1]', 'Invalid value: "dns.example.com": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']]);
  t.deepEqual(causes({ dnsConfig: { nameservers: ['1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4'] } }),
    [['spec.dnsConfig.nameservers', 'Invalid value: ["1.1.1.1","1.0.0.1","8.8.8.8","8.8.4.4"]: must not have more than 3 nameservers']]);
  const searches = Array.from({ length: 33 }, (_, i) => `s${i}.local`);
  t.deepEqual(causes({ dnsConfig: { searches } }).map((c) => [c[0], String(c[1]).replace(/^.*: /, '')]), [['spec.dnsConfig.searches', 'must not have more than 32 search paths']]);
  t.deepEqual(causes({ dnsConfig: { searches: ['Bad_Domain'] } }).map((c) => c[0]), ['spec.dnsConfig.searches[0]']);
  t.deepEqual(causes({ dnsConfig: { options: [{ value: '1' }] } }), [['spec.dnsConfig.options[0]', 'Required value: Option.Name must not be empty']]);
});

test('host ports are unique per hostIP and protocol across containers', (t) => {
  const shape = (p: build.PodFixture) => validateObject(POD, p).map((c) => [c.field, c.message]);
  t.deepEqual(shape(build.pod('p').withHostPort(8080, 'TCP').withContainer({ name: 'b', image: 'nginx', ports: [{ containerPort: 81, hostPort: 8080, protocol: 'TCP' }] })),
    [['spec.containers[1].ports[0].hostPort', 'Duplicate value: "/TCP/8080"']]);
  // No protocol counts as TCP.
  t.deepEqual(shape(build.pod('p').withContainers({ name: 'a', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 8080 }] })),
    [['spec.containers[0].ports[1].hostPort', 'Duplicate value: "/TCP/8080"']]);
});

test('sysctls: names as upstream, unique, and none of a namespace shared with the host', (t) => {
  const sc = (...names: string[]) => ({ securityContext: { sysctls: names.map((name) => ({ name, value: '1' })) } });
  t.deepEqual(causes(sc('Net.IPv4.Bad')), [['spec.securityContext.sysctls[0].name', 'Invalid value: "Net.IPv4.Bad": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$']]);
  t.deepEqual(causes(sc('')), [['spec.securityContext.sysctls[0].name', 'Required value']]);
  t.deepEqual(causes(sc('net.core.somaxconn', 'net.core.somaxconn')), [['spec.securityContext.sysctls[1].name', 'Duplicate value: "net.core.somaxconn"']]);
  t.deepEqual(causes({ hostNetwork: true, ...sc('net.core.somaxconn', 'kernel.msgmax') }), [['spec.securityContext.sysctls[0].name', 'Invalid value: "net.core.somaxconn": may not be specified when \'hostNetwork\' is true']]);
  t.deepEqual(causes({ hostIPC: true, ...sc('net.core.somaxconn', 'kernel.msgmax', 'fs/mqueue/msg_max') }), [
    ['spec.securityContext.sysctls[1].name', 'Invalid value: "kernel.msgmax": may not be specified when \'hostIPC\' is true'],
    ['spec.securityContext.sysctls[2].name', 'Invalid value: "fs/mqueue/msg_max": may not be specified when \'hostIPC\' is true'],
  ]);
});
