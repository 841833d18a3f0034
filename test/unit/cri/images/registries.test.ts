import test from 'ava';
import { rewrite } from '../../../../src/cri/images/endpoints.js';
import { goRegExp, parseRegistries, RegistriesConfigError } from '../../../../src/cri/images/registries.js';

// registries.yaml as k3s documents it (docs.k3s.io "Private Registry Configuration").

const K3S_EXAMPLE = `
mirrors:
  docker.io:
    endpoint:
      - "https://mycustomreg.com:5000"
    rewrite:
      "^rancher/(.*)": "mirrorproject/rancher-images/$1"
  "*":
    endpoint: ["mirror.local:5000", "http://127.0.0.1:5001/v2", "127.0.0.1:5002", "https://cache.example/v2/registry-k8s-io/"]
configs:
  "mycustomreg.com:5000":
    auth:
      username: xxxxxx
      password: yyyyyy
    tls:
      cert_file: /etc/ssl/reg.crt
      key_file: /etc/ssl/reg.key
      ca_file: /etc/ssl/ca.crt
  "*":
    tls:
      insecure_skip_verify: true
`;

test('k3s\'s documented file: mirrors with endpoints and rewrites, configs with auth and TLS', (t) => {
  const { config, warnings } = parseRegistries(K3S_EXAMPLE);
  t.deepEqual(warnings, []);
  const docker = config.mirrors.get('docker.io')!;
  t.deepEqual(docker.endpoints, [{ scheme: 'https', host: 'mycustomreg.com:5000', configName: 'mycustomreg.com:5000', path: '/v2' }]);
  t.is(docker.rewrites[0]!.source, '^rancher/(.*)');
  t.is(docker.rewrites[0]!.replacement, 'mirrorproject/rancher-images/$1');
  t.deepEqual(config.configs.get('mycustomreg.com:5000'), {
    auth: { username: 'xxxxxx', password: 'yyyyyy' },
    tls: { insecureSkipVerify: false, caFile: '/etc/ssl/ca.crt', certFile: '/etc/ssl/reg.crt', keyFile: '/etc/ssl/reg.key' },
  });
  t.deepEqual(config.configs.get('*'), { tls: { insecureSkipVerify: true } });
});

test('endpoints normalize as k3s writes hosts.toml: default scheme, loopback on a port is http, /v2 or an override path', (t) => {
  const eps = parseRegistries(K3S_EXAMPLE).config.mirrors.get('*')!.endpoints;
  t.deepEqual(eps.map((e) => `${e.scheme}://${e.host}${e.path}`), [
    'https://mirror.local:5000/v2', // no scheme, not loopback: https
    'http://127.0.0.1:5001/v2',
    'http://127.0.0.1:5002/v2', // no scheme, loopback on a port: http
    'https://cache.example/v2/registry-k8s-io', // a path of its own is the API root
  ]);
  const docker = parseRegistries('mirrors: { "*": { endpoint: ["docker.io", "localhost", "localhost:443"] } }').config.mirrors.get('*')!.endpoints;
  t.deepEqual(docker.map((e) => [e.scheme, e.host, e.configName]), [
    ['https', 'registry-1.docker.io', 'docker.io'],
    ['https', 'localhost', 'localhost'],
    ['https', 'localhost:443', 'localhost:443'],
  ]);
});

test('an endpoint listed twice is used once, with a warning; unknown fields are named and ignored', (t) => {
  const { config, warnings } = parseRegistries('mirrors:\n  docker.io:\n    endpoint: ["http://a:1", "http://a:1/v2"]\n    endpoints: ["http://typo"]\nextra: 1\n');
  t.is(config.mirrors.get('docker.io')!.endpoints.length, 1);
  t.is(warnings.length, 3);
  t.regex(warnings[0]!, /extra: unknown field/);
  t.regex(warnings[2]!, /mirrors\."docker\.io"\.endpoint\[1\]: http:\/\/a:1\/v2 is listed twice/);
  t.regex(warnings[1]!, /mirrors\."docker\.io"\.endpoints: unknown field, ignored \(known: endpoint, rewrite\)/);
});

test('an empty file or empty sections configure nothing', (t) => {
  for (const text of ['', '# nothing\n', 'mirrors:\nconfigs:\n', 'mirrors: {}\n']) {
    const { config } = parseRegistries(text);
    t.is(config.mirrors.size + config.configs.size, 0, JSON.stringify(text));
  }
});

test('mistakes fail with the file and the field they are in', (t) => {
  const cases: [string, RegExp][] = [
    ['mirrors: [a]', /^reg\.yaml: mirrors: must be a mapping, not a list$/],
    ['mirrors:\n  docker.io:\n    endpoint: "https://x"\n', /mirrors\."docker\.io"\.endpoint: must be a list, not the string "https:\/\/x"/],
    ['mirrors:\n  docker.io:\n    endpoint: [ftp://x]\n', /mirrors\."docker\.io"\.endpoint\[0\]: "ftp:\/\/x": only http:\/\/ and https:\/\/ endpoints/],
    ['mirrors:\n  docker.io:\n    endpoint: ["http://u:p@x"]\n', /endpoint\[0\]: "http:\/\/u:p@x": credentials go in configs/],
    ['mirrors:\n  docker.io:\n    endpoint: [5000]\n', /endpoint\[0\]: must be a string, not number 5000/],
    ['mirrors:\n  "registry.k8s.io":\n    rewrite:\n      "^(a": "b"\n', /mirrors\."registry\.k8s\.io"\.rewrite\."\^\(a": not a regular expression/],
    ['mirrors:\n  "https://docker.io":\n    endpoint: []\n', /mirrors\."https:\/\/docker\.io": "https:\/\/docker\.io" is not a registry host/],
    ['configs:\n  r.io:\n    tls:\n      insecure_skip_verify: "yes"\n', /configs\."r\.io"\.tls\.insecure_skip_verify: must be true or false, not the string "yes"/],
    ['configs:\n  r.io:\n    tls:\n      cert_file: /c.crt\n', /configs\."r\.io"\.tls: cert_file and key_file go together/],
    ['configs:\n  r.io:\n    auth:\n      password: 1234\n', /configs\."r\.io"\.auth\.password: must be a string, not number 1234/],
    ['mirrors:\n  a: 1\n  a: 2\n', /not valid YAML: Map keys must be unique/],
    ['mirrors: [\n', /not valid YAML/],
  ];
  for (const [text, message] of cases) {
    const err = t.throws(() => parseRegistries(text, 'reg.yaml'), { instanceOf: RegistriesConfigError }, text);
    t.regex(err?.message ?? '', message, text);
  }
});

test('keys that name Object.prototype members are data like any other', (t) => {
  const { config } = parseRegistries('mirrors:\n  constructor:\n    endpoint: ["http://127.0.0.1:1"]\n    rewrite:\n      __proto__: x\nconfigs:\n  toString:\n    auth: { username: u }\n');
  t.is(config.mirrors.get('constructor')!.endpoints[0]!.host, '127.0.0.1:1');
  t.is(config.mirrors.get('constructor')!.rewrites[0]!.source, '__proto__');
  t.deepEqual(config.configs.get('toString'), { auth: { username: 'u' } });
  t.is(config.mirrors.get('hasOwnProperty'), undefined);
});

test('rewrite patterns are read as Go writes them: leading flags, (?P<name>), \\A and \\z', (t) => {
  t.is(goRegExp('(?i)^RANCHER/').flags, 'gi');
  const { config } = parseRegistries([
    'mirrors:',
    '  docker.io:',
    '    rewrite:',
    '      "(?i)\\\\Arancher/(?P<rest>.*)\\\\z": "mirrored/${rest}"',
  ].join('\n'));
  const rewrites = config.mirrors.get('docker.io')!.rewrites;
  t.is(rewrite('Rancher/coredns', rewrites), 'mirrored/coredns');
  t.is(goRegExp('a\\\\A').source, 'a\\\\A', 'an escaped backslash before A is a backslash and an A');
  t.throws(() => goRegExp('(?U)a+'), { instanceOf: SyntaxError });
});
