import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';

const ING = { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' };
const NP = { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' };
const shape = (cs: { field?: string; message: string }[]) => cs.map((c) => [c.field, c.message]);
const svc = (port: object, name = 'web') => ({ service: { name, port } });
const ingress = (spec: object) => ({ metadata: { name: 'i' }, spec });
const rule = (path: object, host = 'example.com') => ingress({ rules: [{ host, http: { paths: [path] } }] });

test('what kubectl create ingress sends is valid', (t) => {
  // kubectl create ingress web --class=nginx --rule="foo.com/bar=svc1:8080,tls=my-cert" --rule="*.foo.com/*=svc2:http" --default-backend=svc3:80
  const i = ingress({
    ingressClassName: 'nginx', defaultBackend: svc({ number: 80 }, 'svc3'),
    rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: svc({ number: 8080 }, 'svc1') }] } },
      { host: '*.foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc({ name: 'http' }, 'svc2') }] } }],
    tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
  });
  t.deepEqual(validateObject(ING, i), []);
  t.deepEqual(validateObject(ING, ingress({ defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } } })), []);
});

test('ingress: rules or a default backend; hosts; pathType; paths; backends as upstream', (t) => {
  t.deepEqual(shape(validateObject(ING, ingress({}))), [['spec', 'Invalid value: null: either `defaultBackend` or `rules` must be specified']]);
  t.deepEqual(shape(validateObject(ING, rule({ path: '/', pathType: 'Prefix', backend: svc({ number: 80 }) }, '10.0.0.1'))), [['spec.rules[0].host', 'Invalid value: "10.0.0.1": must be a DNS name, not an IP address']]);
  t.deepEqual(shape(validateObject(ING, rule({ path: '/', pathType: 'Prefix', backend: svc({ number: 80 }) }, 'foo.*.com'))).map((c) => c[0]), ['spec.rules[0].host']);
  t.regex(validateObject(ING, rule({ path: '/', pathType: 'Prefix', backend: svc({ number: 80 }) }, '*foo.com'))[0]!.message, /a wildcard DNS-1123 subdomain must start with '\*\.'/);
  t.deepEqual(shape(validateObject(ING, rule({ path: '/', backend: svc({ number: 80 }) }))), [['spec.rules[0].http.paths[0].pathType', 'Required value: pathType must be specified']]);
  t.deepEqual(shape(validateObject(ING, rule({ path: '/', pathType: 'Regex', backend: svc({ number: 80 }) }))),
    [['spec.rules[0].http.paths[0].pathType', 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']]);
  t.deepEqual(shape(validateObject(ING, rule({ path: 'api', pathType: 'Prefix', backend: svc({ number: 80 }) }))), [['spec.rules[0].http.paths[0].path', 'Invalid value: "api": must be an absolute path']]);
  t.deepEqual(shape(validateObject(ING, rule({ path: '/a//b', pathType: 'Exact', backend: svc({ number: 80 }) }))), [['spec.rules[0].http.paths[0].path', 'Invalid value: "/a//b": must not contain \'//\'']]);
  t.deepEqual(shape(validateObject(ING, rule({ path: '/a/..', pathType: 'Exact', backend: svc({ number: 80 }) }))), [['spec.rules[0].http.paths[0].path', 'Invalid value: "/a/..": cannot end with \'/..\'']]);
  t.deepEqual(shape(validateObject(ING, ingress({ rules: [{ host: 'a.com', http: { paths: [] } }] }))), [['spec.rules[0].http.paths', 'Required value']]);
  const b = (backend: object) => shape(validateObject(ING, rule({ path: '/', pathType: 'Prefix', backend })));
  t.deepEqual(b({}), [['spec.rules[0].http.paths[0].backend', 'Invalid value: "": resource or service backend is required']]);
  t.deepEqual(b({ ...svc({ number: 80 }), resource: { kind: 'B', name: 'b' } }), [['spec.rules[0].http.paths[0].backend', 'Invalid value: "": cannot set both resource and service backends']]);
  t.deepEqual(b(svc({ name: 'http', number: 80 })), [['spec.rules[0].http.paths[0].backend', 'Invalid value: "": cannot set both port name & port number']]);
  t.deepEqual(b(svc({})), [['spec.rules[0].http.paths[0].backend', 'Required value: port name or number is required']]);
  t.deepEqual(b(svc({ number: 70000 })), [['spec.rules[0].http.paths[0].backend.service.port.number', 'Invalid value: 70000: must be between 1 and 65535, inclusive']]);
  t.deepEqual(b(svc({ name: 'http_x' })).map((c) => c[0]), ['spec.rules[0].http.paths[0].backend.service.port.name']);
  t.deepEqual(b(svc({ number: 80 }, '1web')).map((c) => c[0]), ['spec.rules[0].http.paths[0].backend.service.name']);
  t.deepEqual(shape(validateObject(ING, ingress({ defaultBackend: svc({ number: 80 }), tls: [{ secretName: 'Bad_Secret' }] }))).map((c) => c[0]), ['spec.tls[0].secretName']);
});

test('network policy: ports, peers, ipBlock and policyTypes', (t) => {
  const np = (spec: object) => { const o: any = { metadata: { name: 'n' }, spec: { podSelector: {}, ...spec } }; defaultObject(NP, o); return o; };
  t.deepEqual(validateObject(NP, np({ ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } }, namespaceSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80 }, { port: 'http' }, { port: 8000, endPort: 9000 }] }],
    egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }] }] })), []);
  t.deepEqual(shape(validateObject(NP, np({ ingress: [{ ports: [{ protocol: 'ICMP', port: 1 }] }] }))), [['spec.ingress[0].ports[0].protocol', 'Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']]);
  t.deepEqual(shape(validateObject(NP, np({ ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }))), [['spec.ingress[0].ports[0].endPort', 'Invalid value: 90: may not be specified when `port` is non-numeric']]);
  t.deepEqual(shape(validateObject(NP, np({ ingress: [{ ports: [{ port: 100, endPort: 90 }] }] }))), [['spec.ingress[0].ports[0].endPort', 'Invalid value: 90: must be greater than or equal to `port`']]);
  t.deepEqual(shape(validateObject(NP, np({ ingress: [{ from: [{}] }] }))), [['spec.ingress[0].from[0]', 'Required value: must specify a peer']]);
  t.deepEqual(shape(validateObject(NP, np({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }))), [['spec.egress[0].to[0]', 'Forbidden: may not specify both ipBlock and another peer']]);
  t.deepEqual(shape(validateObject(NP, np({ egress: [{ to: [{ ipBlock: {} }] }] }))), [['spec.egress[0].to[0].ipBlock.cidr', 'Required value']]);
  t.deepEqual(shape(validateObject(NP, np({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.300/8' } }] }] }))), [['spec.egress[0].to[0].ipBlock.cidr', 'Invalid value: "10.0.0.300/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']]);
  t.deepEqual(shape(validateObject(NP, np({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/16'] } }] }] }))),
    [['spec.egress[0].to[0].ipBlock.except[0]', 'Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`'], ['spec.egress[0].to[0].ipBlock.except[1]', 'Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`']]);
  t.deepEqual(shape(validateObject(NP, np({ policyTypes: ['Ingress', 'Sideways'] }))), [['spec.policyTypes[1]', 'Unsupported value: "Sideways": supported values: "Ingress", "Egress"']]);
  t.deepEqual(shape(validateObject(NP, np({ policyTypes: ['Ingress', 'Egress', 'Ingress'] }))).map((c) => c[0]), ['spec.policyTypes']);
  t.deepEqual(shape(validateObject(NP, np({ podSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } }))).map((c) => c[0]), ['spec.podSelector.matchExpressions[0].values']);
});
