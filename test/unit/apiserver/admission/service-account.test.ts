// ServiceAccount admission as upstream's: the default account, the kube-api-access volume
// mounted in every container, opting out, imagePullSecrets from the account, a missing account
// refused; and the kube-root-ca.crt ConfigMap the volume projects, published in every namespace.
import test from 'ava';
import { defaultObject } from '../../../../src/api/defaults.js';
import { validateObject } from '../../../../src/api/validation.js';
import { startDefaultServiceAccounts } from '../../../../src/apiserver/wiring/default-serviceaccounts.js';
import { findResource } from '../../../../src/api/resources.js';
import { Registry } from '../../../../src/apiserver/storage/registry.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { standInHooks, strategiesFor } from '../../../helpers/apiserver-stand-ins.js';
import { pod, startFixture } from '../fixture.js';
import { serviceAccount } from '../../../../src/apiserver/admission/service-account.js';

const hooks = { defaultObject, validateObject };
const PODS = '/api/v1/namespaces/default/pods';
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

test('a pod without an account runs as default, with the kube-api-access volume in every container', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const made = await call('POST', PODS, pod('web', { spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox', volumeMounts: [{ name: 'own', mountPath: MOUNT }] }], volumes: [{ name: 'own', emptyDir: {} }] } }));
  t.is(made.status, 201, made.text);
  const spec = made.json.spec;
  t.is(spec.serviceAccountName, 'default');
  t.is(spec.serviceAccount, 'default');
  const volume = spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
  t.regex(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  t.deepEqual(volume.projected, {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
  const mount = { name: volume.name, readOnly: true, mountPath: MOUNT };
  t.deepEqual(spec.initContainers[0].volumeMounts, [mount]);
  t.deepEqual(spec.containers[0].volumeMounts, [mount]);
  t.deepEqual(spec.containers[1].volumeMounts, [{ name: 'own', mountPath: MOUNT }], 'a container mounting the path itself keeps its own');
});

test('automountServiceAccountToken false on the pod or the account: no volume; the pod wins over the account', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const off = await call('POST', PODS, pod('off', { spec: { automountServiceAccountToken: false } }));
  t.is(off.status, 201, off.text);
  t.is(off.json.spec.volumes, undefined);
  t.is((await call('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'quiet' }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'regcred' }] })).status, 201);
  const quiet = await call('POST', PODS, pod('quiet', { spec: { serviceAccountName: 'quiet' } }));
  t.is(quiet.json.spec.volumes, undefined);
  t.deepEqual(quiet.json.spec.imagePullSecrets, [{ name: 'regcred' }], 'the account\'s pull secrets');
  const loud = await call('POST', PODS, pod('loud', { spec: { serviceAccountName: 'quiet', automountServiceAccountToken: true, imagePullSecrets: [{ name: 'mine' }] } }));
  t.is(loud.json.spec.volumes.length, 1);
  t.deepEqual(loud.json.spec.imagePullSecrets, [{ name: 'mine' }], 'the pod\'s own pull secrets stay');
});

test('an account that does not exist is refused in upstream\'s words; nothing is stored', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const r = await call('POST', PODS, pod('ghost', { spec: { serviceAccountName: 'ghost' } }));
  t.is(r.status, 403);
  t.is(r.json.message, 'pods "ghost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  t.is((await call('GET', `${PODS}/ghost`)).status, 404);
});

test('mirror pods get no account and may reference neither accounts, secrets nor tokens', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const mirror = (name: string, spec: object = {}) => ({ ...pod(name, { spec: { nodeName: 'n1', ...spec } }), metadata: { name, annotations: { 'kubernetes.io/config.mirror': 'h' } } });
  const plain = await call('POST', PODS, mirror('static'));
  t.is(plain.status, 201, plain.text);
  t.is(plain.json.spec.serviceAccountName, undefined);
  t.is(plain.json.spec.volumes, undefined);
  const env = await call('POST', PODS, mirror('env', { containers: [{ name: 'c', image: 'x', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] }));
  t.is(env.json.message, 'pods "env" is forbidden: a mirror pod may not reference secrets');
  const token = await call('POST', PODS, mirror('token', { volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] }));
  t.is(token.json.message, 'pods "token" is forbidden: a mirror pod may not use ServiceAccountToken volume projections');
});

test('every namespace gets kube-root-ca.crt with the CA bundle it is given', async (t) => {
  const store = new MemoryStore();
  const registry = new Registry({ store, hooks: standInHooks(), clock: new FakeClock(0), strategies: strategiesFor(store) });
  const loop = startDefaultServiceAccounts(store, registry, undefined, 'PEM BUNDLE');
  t.teardown(async () => {
    await loop.stop();
    await registry.close();
    await store.close();
  });
  await loop.ready;
  await registry.create(findResource('', 'v1', 'namespaces')!, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const configMaps = findResource('', 'v1', 'configmaps')!;
  let cm;
  while (!(cm = await registry.get(configMaps, 'team', 'kube-root-ca.crt').catch(() => undefined))) await new Promise((r) => setImmediate(r));
  t.deepEqual(cm.data, { 'ca.crt': 'PEM BUNDLE' });
  t.regex(String(cm.metadata?.annotations?.['kubernetes.io/description']), /^Contains a CA bundle/);
});

test('the default account, made by a controller just after its namespace, is waited for a few lookups as upstream; another account is looked up once', async (t) => {
  const lookups: string[] = [];
  let readyAfter = 3;
  const read = {
    get: async (_r: unknown, ns: string, name: string) => {
      lookups.push(`${ns}/${name}`);
      return name === 'default' && --readyAfter <= 0 ? { metadata: { name } } : undefined;
    },
    list: async () => [],
  };
  const plugin = serviceAccount(read as never, () => ({ attempts: 10, intervalMs: 0 }));
  const attrs = (name: string, spec: object) => ({ operation: 'CREATE' as const, group: '', resource: 'pods', subresource: '', namespace: 'fresh', name, object: { metadata: { name }, spec }, dryRun: false });
  const made = attrs('p', { containers: [{ name: 'c' }] });
  await plugin.admit!(made);
  t.deepEqual(lookups, ['fresh/default', 'fresh/default', 'fresh/default']);
  t.is((made.object.spec as { serviceAccountName?: string }).serviceAccountName, 'default');
  lookups.length = 0;
  const err = await t.throwsAsync(async () => plugin.admit!(attrs('q', { serviceAccountName: 'robot', containers: [{ name: 'c' }] })));
  t.is(err?.message, 'pods "q" is forbidden: error looking up service account fresh/robot: serviceaccount "robot" not found');
  t.deepEqual(lookups, ['fresh/robot']);
  readyAfter = 100;
  lookups.length = 0;
  await t.throwsAsync(async () => plugin.admit!(attrs('r', { containers: [{ name: 'c' }] })));
  t.is(lookups.length, 10, 'gives up after ten lookups');
});
