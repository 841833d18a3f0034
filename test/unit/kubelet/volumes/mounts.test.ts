import test from 'ava';
import type { Container, Pod } from '../../../../src/api/types.js';
import { containerMounts, MountError } from '../../../../src/kubelet/volumes/index.js';
import { expand } from '../../../../src/kubelet/pods/expand.js';

const pod = (containers: Container[]): Pod => ({
  metadata: { name: 'web', namespace: 'ns1', uid: 'u1', labels: { app: 'web' } },
  spec: {
    containers,
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'host', hostPath: { path: '/srv' } },
    ],
  },
});
const volumes = { paths: new Map([['data', '/k/pods/u1/volumes/kubernetes.io~empty-dir/data'], ['cfg', '/k/pods/u1/volumes/kubernetes.io~configmap/cfg'], ['host', '/srv']]) };

test('each volumeMount becomes a CRI mount: API data read-only, propagation mapped, no relabel', (t) => {
  const c: Container = {
    name: 'app',
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'cfg', mountPath: '/etc/app' },
      { name: 'host', mountPath: '/host', readOnly: true, mountPropagation: 'HostToContainer' },
      { name: 'host', mountPath: '/shared', mountPropagation: 'Bidirectional' },
    ],
  };
  t.deepEqual(containerMounts(pod([c]), c, volumes), [
    { containerPath: '/data', hostPath: volumes.paths.get('data'), readonly: false, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE' },
    { containerPath: '/etc/app', hostPath: volumes.paths.get('cfg'), readonly: true, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE' },
    { containerPath: '/host', hostPath: '/srv', readonly: true, selinuxRelabel: false, propagation: 'PROPAGATION_HOST_TO_CONTAINER' },
    { containerPath: '/shared', hostPath: '/srv', readonly: false, selinuxRelabel: false, propagation: 'PROPAGATION_BIDIRECTIONAL' },
  ]);
});

test('subPath lands under the volume; absolute or .. subPaths are refused in makeMounts\' words', (t) => {
  const mk = (subPath: string): Container => ({ name: 'app', volumeMounts: [{ name: 'data', mountPath: '/d', subPath }] });
  const ok = mk('logs/app');
  t.is(containerMounts(pod([ok]), ok, volumes)[0]?.hostPath, '/k/pods/u1/volumes/kubernetes.io~empty-dir/data/logs/app');
  const abs = mk('/etc');
  t.is(t.throws(() => containerMounts(pod([abs]), abs, volumes), { instanceOf: MountError })?.message, 'error SubPath `/etc` must not be an absolute path');
  const up = mk('a/../../x');
  t.is(t.throws(() => containerMounts(pod([up]), up, volumes), { instanceOf: MountError })?.message, "unable to provision SubPath `a/../../x`: must not contain '..'");
});

test('subPathExpr expands $(VAR) from the container env (literal values and pod fields by default, or the env given)', (t) => {
  const c: Container = {
    name: 'app',
    env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'DIR', value: 'logs-$(POD)' }],
    volumeMounts: [{ name: 'data', mountPath: '/d', subPathExpr: '$(DIR)/$(POD)' }],
  };
  t.is(containerMounts(pod([c]), c, volumes)[0]?.hostPath, '/k/pods/u1/volumes/kubernetes.io~empty-dir/data/logs-web/web');
  t.is(containerMounts(pod([c]), c, volumes, new Map([['DIR', 'x'], ['POD', 'y']]))[0]?.hostPath, '/k/pods/u1/volumes/kubernetes.io~empty-dir/data/x/y');
  const missing: Container = { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/d', subPathExpr: '$(B)/$(A)' }] };
  t.is(t.throws(() => containerMounts(pod([missing]), missing, volumes))?.message, 'missing value for A, B');
  const escape: Container = { name: 'app', env: [{ name: 'U', value: '..' }], volumeMounts: [{ name: 'data', mountPath: '/d', subPathExpr: '$(U)/x' }] };
  t.is(t.throws(() => containerMounts(pod([escape]), escape, volumes))?.message, "unable to provision SubPath `../x`: must not contain '..'");
});

test('a volumeMount naming a volume the pod does not have is refused', (t) => {
  const c: Container = { name: 'app', volumeMounts: [{ name: 'nope', mountPath: '/x' }] };
  t.is(t.throws(() => containerMounts(pod([c]), c, volumes))?.message, 'cannot find volume "nope" to mount into container "app"');
});

test('expansion as upstream: $$ escapes, an unclosed $( and a lone $ stay', (t) => {
  const env = new Map([['A', 'x']]);
  const map = (n: string) => env.get(n) ?? `$(${n})`;
  t.is(expand('$(A)-$$(A)-$(B)-$(A', map), 'x-$(A)-$(B)-$(A');
  t.is(expand('a$b$', map), 'a$b$');
});
