import test from 'ava';
import type { Container, Pod } from '../../../../src/api/types.js';
import { containerConfig } from '../../../../src/kubelet/pods/container-config.js';
import { containerHash } from '../../../../src/kubelet/pods/labels.js';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1' },
  spec: { terminationGracePeriodSeconds: 5, securityContext: { runAsUser: 1000, fsGroup: 3000 }, containers: [] },
};

test('the container config: metadata attempt, image ref, expanded command and args, env, labels, annotations, log path', (t) => {
  const c: Container = { name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'echo $(GREETING)'], args: ['$(WHO)', '$$(WHO)'], workingDir: '/srv', env: [{ name: 'GREETING', value: 'hi' }, { name: 'WHO', value: 'you' }], tty: true, stdin: true };
  const cfg = containerConfig(pod, c, { imageRef: 'sha256:abc', restartCount: 3 });
  t.deepEqual(cfg.metadata, { name: 'app', attempt: 3 });
  t.deepEqual(cfg.image, { image: 'sha256:abc', userSpecifiedImage: 'busybox:1.36' });
  t.deepEqual(cfg.command, ['sh', '-c', 'echo hi']);
  t.deepEqual(cfg.args, ['you', '$(WHO)']);
  t.is(cfg.workingDir, '/srv');
  t.deepEqual(cfg.envs, [{ key: 'GREETING', value: 'hi' }, { key: 'WHO', value: 'you' }]);
  t.deepEqual(cfg.labels, { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.container.name': 'app' });
  t.is(cfg.annotations?.['io.kubernetes.container.restartCount'], '3');
  t.is(cfg.annotations?.['io.kubernetes.container.hash'], containerHash(c));
  t.is(cfg.annotations?.['io.kubernetes.pod.terminationGracePeriod'], '5');
  t.is(cfg.annotations?.['io.kubernetes.container.ports'], undefined);
  const withPorts = containerConfig(pod, { ...c, ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }] }, { imageRef: 'r', restartCount: 0 });
  t.deepEqual(JSON.parse(withPorts.annotations?.['io.kubernetes.container.ports'] ?? '[]'), [{ name: 'http', containerPort: 80, protocol: 'TCP' }]);
  t.is(cfg.logPath, 'app/3.log');
  t.true(cfg.tty);
  t.true(cfg.stdin);
  t.false(cfg.stdinOnce);
});

test('security context: the container overrides the pod; capabilities, privileged, read-only rootfs, no_new_privs, masked paths', (t) => {
  const c: Container = { name: 'app', image: 'b', securityContext: { runAsUser: 0, runAsGroup: 10, privileged: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } };
  const sc = containerConfig(pod, c, { imageRef: 'r', restartCount: 0 }).linux?.securityContext;
  t.deepEqual(sc?.runAsUser, { value: 0 });
  t.deepEqual(sc?.runAsGroup, { value: 10 });
  t.true(sc?.privileged);
  t.true(sc?.readonlyRootfs);
  t.true(sc?.noNewPrivs);
  t.deepEqual(sc?.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
  t.deepEqual(sc?.supplementalGroups, ['3000']);
  t.true((sc?.maskedPaths ?? []).includes('/proc/kcore'));
  const plain = containerConfig(pod, { name: 'p', image: 'b' }, { imageRef: 'r', restartCount: 0 }).linux?.securityContext;
  t.deepEqual(plain?.runAsUser, { value: 1000 }, 'the pod\'s runAsUser when the container has none');
  t.false(plain?.noNewPrivs);
  t.deepEqual(containerConfig(pod, { name: 'u', image: 'b', securityContext: { procMount: 'Unmasked' } }, { imageRef: 'r', restartCount: 0 }).linux?.securityContext?.maskedPaths, []);
});
