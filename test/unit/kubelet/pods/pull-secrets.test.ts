import test from 'ava';
import type { Secret } from '../../../../src/api/types.js';
import { registryAuths } from '../../../../src/kubelet/pods/pull-secrets.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const dockerconfigjson = (auths: Record<string, unknown>): Secret => ({ metadata: { name: 'j' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } });
const dockercfg = (auths: Record<string, unknown>): Secret => ({ metadata: { name: 'c' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify(auths)) } });
const users = (secrets: Secret[], image: string) => registryAuths(secrets, image).map((a) => a.username);

test('auth (base64 user:password) or username/password; the entry\'s key is the server address', (t) => {
  const s = dockerconfigjson({ 'https://reg.example': { auth: b64('alice:pa:ss') }, 'plain.example': { username: 'bob', password: 'pw' } });
  t.deepEqual(registryAuths([s], 'reg.example/app:1'), [{ username: 'alice', password: 'pa:ss', serverAddress: 'https://reg.example' }]);
  t.deepEqual(registryAuths([s], 'plain.example/x'), [{ username: 'bob', password: 'pw', serverAddress: 'plain.example' }]);
  t.deepEqual(registryAuths([s], 'elsewhere.example/x'), []);
});

test('Docker Hub\'s legacy keys match images without a registry; dockercfg secrets are read too', (t) => {
  t.deepEqual(users([dockerconfigjson({ 'https://index.docker.io/v1/': { auth: b64('hub:x') } })], 'busybox'), ['hub']);
  t.deepEqual(users([dockercfg({ 'docker.io': { auth: b64('old:x') } })], 'library/busybox:1'), ['old']);
});

test('ports must be equal (or absent on both sides); a * stands for one label; paths are prefixes, the longest tried first', (t) => {
  const s = dockerconfigjson({
    'reg.example:5000': { auth: b64('port:x') }, '*.corp.example': { auth: b64('wild:x') },
    'paths.example/team': { auth: b64('team:x') }, 'paths.example/team/app': { auth: b64('app:x') }, 'paths.example': { auth: b64('any:x') },
  });
  t.deepEqual(users([s], 'reg.example:5000/a'), ['port']);
  t.deepEqual(users([s], 'reg.example:6000/a'), []);
  t.deepEqual(users([s], 'paths.example:5000/team/app'), [], 'a key without a port does not cover a registry with one');
  t.deepEqual(users([s], 'eu.corp.example/a'), ['wild']);
  t.deepEqual(users([s], 'a.b.corp.example/a'), []);
  t.deepEqual(users([s], 'paths.example/team/app:1'), ['app', 'team', 'any']);
  t.deepEqual(users([s], 'paths.example/teamster/app'), ['any']);
});

test('secrets of another type, bad JSON or a bad image reference give no credentials', (t) => {
  t.deepEqual(registryAuths([{ metadata: { name: 'o' }, type: 'Opaque', data: { x: b64('{}') } }], 'busybox'), []);
  t.deepEqual(registryAuths([{ metadata: { name: 'b' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{not json') } }], 'busybox'), []);
  t.deepEqual(registryAuths([dockerconfigjson({ 'docker.io': { auth: b64('a:b') } })], 'UPPER/Case'), []);
});
