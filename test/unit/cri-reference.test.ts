import test from 'ava';
import { formatReference, isLocalRegistry, parseReference } from '../../src/cri/images/reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

test('short names normalize as docker does', (t) => {
  t.is(formatReference(parseReference('busybox')), 'docker.io/library/busybox:latest');
  t.is(formatReference(parseReference('library/busybox:1.36')), 'docker.io/library/busybox:1.36');
  t.is(formatReference(parseReference('quay.io/coreos/etcd')), 'quay.io/coreos/etcd:latest');
  t.is(formatReference(parseReference('myorg/app:v1')), 'docker.io/myorg/app:v1');
});

test('registry hosts with ports, localhost, tags and digests', (t) => {
  t.deepEqual(parseReference('127.0.0.1:5000/skiff-test/httpd:httpd'), { registry: '127.0.0.1:5000', repository: 'skiff-test/httpd', tag: 'httpd' });
  t.deepEqual(parseReference('localhost/x'), { registry: 'localhost', repository: 'x', tag: 'latest' });
  t.deepEqual(parseReference(`busybox@${digest}`), { registry: 'docker.io', repository: 'library/busybox', digest });
  t.is(formatReference(parseReference(`r.io/a:1@${digest}`)), `r.io/a@${digest}`);
});

test('malformed references are refused with a reason', (t) => {
  for (const bad of ['', 'UPPER/case', 'a b', 'busybox:', 'busybox@sha256:abc', 'a//b', 'busybox:bad/tag', ' busybox']) {
    t.throws(() => parseReference(bad), { name: 'ReferenceError' }, JSON.stringify(bad));
  }
});

test('loopback registries are plain HTTP', (t) => {
  t.true(isLocalRegistry('127.0.0.1:5000'));
  t.true(isLocalRegistry('localhost:5000'));
  t.false(isLocalRegistry('registry.example.com'));
});
