import test from 'ava';
import { formatReference, isLocalRegistry, parseReference } from '../../../../src/cri/images/reference.js';

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

test('loopback registries are plain HTTP: localhost and loopback addresses, as containerd matches them', (t) => {
  for (const local of ['127.0.0.1:5000', '127.0.0.1', '127.255.3.4:443', 'localhost:5000', 'localhost', '::1', '[::1]', '[::1]:5000', '[::ffff:127.0.0.1]:5000', '[0:0:0:0:0:0:0:1]:80']) {
    t.true(isLocalRegistry(local), local);
  }
});

test('names that only look local are not: 127.example.com gets TLS and no plain-HTTP credentials', (t) => {
  for (const remote of [
    'registry.example.com', '127.example.com', '127.example.com:5000', '127.0.0.1.nip.io', '127.0.0.1.evil.com:5000', 'localhost.example.com',
    '127.1', '0177.0.0.1', '0x7f.0.0.1', '127.000.0.1', '2130706433', // forms Go's net.ParseIP refuses: names, not addresses
    '128.0.0.1:5000', '10.0.0.1', '[::2]:5000', '[::ffff:10.0.0.1]', '::2', '127.0.0.1:', '127.0.0.1:abc', '[::1', 'localhost:5000:1',
  ]) {
    t.false(isLocalRegistry(remote), remote);
  }
});
