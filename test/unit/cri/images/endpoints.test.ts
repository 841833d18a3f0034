import test from 'ava';
import { resolveEndpoints, rewrite } from '../../../../src/cri/images/endpoints.js';
import { parseReference } from '../../../../src/cri/images/reference.js';
import { NO_REGISTRIES, parseRegistries } from '../../../../src/cri/images/registries.js';

// Which endpoints a pull tries, in which order, with which repository and config.

const config = parseRegistries(`
mirrors:
  registry.k8s.io:
    endpoint: ["http://127.0.0.1:5000", "https://mirror.example:8443/v2"]
    rewrite:
      "^(pause|coredns)$": "k8s/$1"
      "^(.*)$": "k8s-all/$1"
  docker.io:
    endpoint: ["https://registry-1.docker.io"]
  "*":
    endpoint: ["https://catch-all.example"]
configs:
  "mirror.example:8443":
    auth: { username: m, password: p }
  docker.io:
    auth: { username: d, password: h }
  "*":
    tls: { insecure_skip_verify: true }
`).config;

const urls = (image: string, opts = {}) => resolveEndpoints(parseReference(image), config, opts).map((e) => `${e.root}/${e.repository}`);

test('without a config an image comes from its own registry: https, plain HTTP for loopback, docker.io at registry-1', (t) => {
  const of = (image: string) => resolveEndpoints(parseReference(image), NO_REGISTRIES).map((e) => `${e.root}/${e.repository}`);
  t.deepEqual(of('busybox'), ['https://registry-1.docker.io/v2/library/busybox']);
  t.deepEqual(of('quay.io/a/b:1'), ['https://quay.io/v2/a/b']);
  t.deepEqual(of('127.0.0.1:5000/x/y'), ['http://127.0.0.1:5000/v2/x/y']);
  t.deepEqual(of('localhost/x'), ['http://localhost/v2/x']);
});

test('a mirror\'s endpoints in order, rewritten, then the registry itself without rewrites', (t) => {
  t.deepEqual(urls('registry.k8s.io/pause:3.9'), [
    'http://127.0.0.1:5000/v2/k8s/pause',
    'https://mirror.example:8443/v2/k8s/pause',
    'https://registry.k8s.io/v2/pause',
  ]);
  // The first rewrite that matches wins; the second catches the rest.
  t.deepEqual(urls('registry.k8s.io/kube-proxy:v1')[0], 'http://127.0.0.1:5000/v2/k8s-all/kube-proxy');
});

test('the registry\'s own URL among the mirrors is tried once, where it is listed', (t) => {
  t.deepEqual(urls('busybox'), ['https://registry-1.docker.io/v2/library/busybox']);
});

test('"*" mirrors every registry without an entry of its own', (t) => {
  t.deepEqual(urls('quay.io/a/b'), ['https://catch-all.example/v2/a/b', 'https://quay.io/v2/a/b']);
  t.deepEqual(urls('127.0.0.1:9/a'), ['https://catch-all.example/v2/a', 'http://127.0.0.1:9/v2/a']);
});

test('with the default endpoint disabled, a mirrored registry is pulled from its mirrors only', (t) => {
  t.deepEqual(urls('registry.k8s.io/pause', { disableDefaultEndpoint: true }), ['http://127.0.0.1:5000/v2/k8s/pause', 'https://mirror.example:8443/v2/k8s/pause']);
  const noStar = parseRegistries('mirrors: { r.io: { endpoint: ["http://127.0.0.1:1"] } }').config;
  t.deepEqual(resolveEndpoints(parseReference('q.io/a'), noStar, { disableDefaultEndpoint: true }).map((e) => e.root), ['https://q.io/v2'], 'an unmirrored registry keeps its own endpoint');
});

test('each endpoint carries the configs entry of its own host; "*" covers registries with no entry', (t) => {
  const eps = resolveEndpoints(parseReference('registry.k8s.io/pause'), config);
  t.deepEqual(eps.map((e) => [e.host, e.mirror, e.config?.auth?.username]), [
    ['127.0.0.1:5000', true, undefined],
    ['mirror.example:8443', true, 'm'],
    ['registry.k8s.io', false, undefined], // it has a mirror entry of its own: '*' is not its config
  ]);
  t.is(resolveEndpoints(parseReference('busybox'), config)[0]!.config?.auth?.username, 'd', 'registry-1.docker.io finds the docker.io entry');
  const quay = resolveEndpoints(parseReference('quay.io/a'), config);
  t.deepEqual(quay.map((e) => e.config?.tls?.insecureSkipVerify), [undefined, true]);
});

test('rewrite templates are Go\'s: $1, ${1}, named groups, $$, and missing groups empty', (t) => {
  const rw = (pattern: string, replacement: string) => [{ source: pattern, pattern: new RegExp(pattern, 'g'), replacement }];
  t.is(rewrite('rancher/coredns', rw('^rancher/(.*)', 'mirrorproject/rancher-images/$1')), 'mirrorproject/rancher-images/coredns');
  t.is(rewrite('a/b', rw('^(?<org>[^/]+)/(.*)$', '${2}-${org}-$$')), 'b-a-$');
  t.is(rewrite('a/b', rw('^(a)/b$', '$1x/$9')), '/', '$1x names a group "1x", which is empty, as in Go');
  t.is(rewrite('library/busybox', rw('b', 'B')), 'liBrary/BusyBox', 'every match is replaced');
  t.is(rewrite('unrelated', rw('^rancher/', 'x/')), 'unrelated');
});
