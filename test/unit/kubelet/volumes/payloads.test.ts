import test from 'ava';
import type { Pod } from '../../../../src/api/types.js';
import { formatMap, goQuote, podFieldValue, resourceFieldValue } from '../../../../src/kubelet/volumes/downward.js';
import { VolumeError } from '../../../../src/kubelet/volumes/errors.js';
import { configMapPayload, downwardPayload, fsUserOf, secretPayload } from '../../../../src/kubelet/volumes/payloads.js';
import { memorySize } from '../../../../src/kubelet/volumes/plugins.js';

const text = (m: Map<string, { data: Uint8Array; mode: number }>) => Object.fromEntries([...m].map(([k, v]) => [k, [new TextDecoder().decode(v.data), v.mode.toString(8)]]));

test('configMap: every key (data and binaryData) with defaultMode, or the items with their own modes', (t) => {
  const cm = { metadata: { name: 'cfg' }, data: { a: 'A', b: 'B' }, binaryData: { bin: Buffer.from('BIN').toString('base64') } };
  t.deepEqual(text(configMapPayload(cm, {})), { a: ['A', '644'], b: ['B', '644'], bin: ['BIN', '644'] });
  t.deepEqual(text(configMapPayload(cm, { defaultMode: 0o400, items: [{ key: 'a', path: 'x/a.conf' }, { key: 'b', path: 'b', mode: 0o600 }] })), { 'x/a.conf': ['A', '400'], b: ['B', '600'] });
});

test('a missing key is upstream\'s FailedMount reason unless optional; a missing optional object is empty', (t) => {
  const cm = { metadata: { name: 'cfg' }, data: { a: 'A' } };
  t.is(t.throws(() => configMapPayload(cm, { items: [{ key: 'k', path: 'k' }] }), { instanceOf: VolumeError })?.message, 'configmap references non-existent config key: k');
  t.deepEqual(text(configMapPayload(cm, { optional: true, items: [{ key: 'k', path: 'k' }, { key: 'a', path: 'a' }] })), { a: ['A', '644'] });
  t.deepEqual(text(configMapPayload(undefined, { optional: true })), {});
  const secret = { metadata: { name: 's' }, data: { pw: Buffer.from('hunter2').toString('base64') } };
  t.deepEqual(text(secretPayload(secret, {})), { pw: ['hunter2', '644'] });
  t.is(t.throws(() => secretPayload(secret, { items: [{ key: 'x', path: 'x' }] }))?.message, 'references non-existent secret key: x');
});

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns1', uid: 'u-1', labels: { tier: 'front', app: 'web' }, annotations: { note: 'say "hi"\n' } },
  spec: { containers: [{ name: 'app', resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '250m' } } }, { name: 'side' }] },
};

test('downward API fields: name, namespace, uid, labels and annotations as sorted key="value" lines with Go quoting', (t) => {
  t.is(podFieldValue(pod, 'metadata.name'), 'web');
  t.is(podFieldValue(pod, 'metadata.uid'), 'u-1');
  t.is(podFieldValue(pod, 'metadata.labels'), 'app="web"\ntier="front"');
  t.is(podFieldValue(pod, 'metadata.annotations'), 'note="say \\"hi\\"\\n"');
  t.is(podFieldValue(pod, "metadata.labels['tier']"), 'front');
  t.is(t.throws(() => podFieldValue(pod, 'spec.nodeName'))?.message, 'unsupported fieldPath: spec.nodeName');
  t.is(goQuote('a\x01\tü'), '"a\\x01\\tü"');
  t.is(formatMap(undefined), '');
});

test('downward API resources: divided and rounded up (cpu in millicores), an unset limit is the node\'s allocatable', (t) => {
  const alloc = new Map([['cpu', '2'], ['memory', '8Gi']]);
  const v = (containerName: string, resource: string, divisor?: string) => resourceFieldValue(pod, { containerName, resource, ...(divisor ? { divisor } : {}) }, alloc);
  t.is(v('app', 'limits.cpu'), '1');
  t.is(v('app', 'limits.cpu', '1m'), '500');
  t.is(v('app', 'requests.cpu', '100m'), '3');
  t.is(v('app', 'limits.memory'), String(64 * 1024 * 1024));
  t.is(v('app', 'limits.memory', '1Mi'), '64');
  t.is(v('side', 'limits.memory', '1Gi'), '8');
  t.is(v('side', 'limits.cpu', '1m'), '2000');
  t.is(v('side', 'requests.memory'), '0');
  t.deepEqual(text(downwardPayload(pod, [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'mem', mode: 0o400, resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } }], undefined, alloc)),
    { name: ['web', '644'], mem: ['64', '400'] });
});

test('the token file\'s owner: the one user every container runs as, else none', (t) => {
  t.is(fsUserOf({ metadata: {}, spec: { securityContext: { runAsUser: 1000 }, containers: [{ name: 'a' }, { name: 'b' }] } }), 1000);
  t.is(fsUserOf({ metadata: {}, spec: { securityContext: { runAsUser: 1000 }, containers: [{ name: 'a' }, { name: 'b', securityContext: { runAsUser: 2 } }] } }), undefined);
  t.is(fsUserOf({ metadata: {}, spec: { containers: [{ name: 'a' }] } }), undefined);
});

test('a Memory emptyDir\'s tmpfs size: the smaller of sizeLimit and the pod\'s memory limit when every container has one', (t) => {
  const withLimits = (...mem: (string | undefined)[]): Pod => ({ metadata: {}, spec: { containers: mem.map((m, i) => ({ name: `c${i}`, ...(m ? { resources: { limits: { memory: m } } } : {}) })) } });
  t.is(memorySize(withLimits('64Mi', '64Mi'), '16Mi'), 16 * 1024 * 1024);
  t.is(memorySize(withLimits('8Mi', '8Mi'), '1Gi'), 16 * 1024 * 1024);
  t.is(memorySize(withLimits('8Mi', undefined), '1Gi'), 1024 * 1024 * 1024, 'a container without a limit leaves the pod unbounded');
  t.is(memorySize(withLimits(undefined), undefined), undefined, 'neither: the kernel\'s default');
});
