// Attacker script with a kubelet's credentials: a client certificate CN=system:node:n1,
// O=system:nodes signed by the cluster CA, used by the stock kubectl. Upstream's Node
// authorizer and NodeRestriction admission leave it its own Node, its pods and what they use;
// reading any Secret, creating plain pods in kube-system and patching other Nodes are refused.
// Run `npm run build:js` first.
import anyTest, { type TestFn } from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueClientCertificate } from '../../../src/apiserver/pki.js';
import { kubectl } from '../skiff-server.js';
import { startLab, unique, until, type Lab } from './attacker.js';

const test = anyTest as TestFn<{ lab: Lab; kubelet: string; ns: string }>;

test.before(async (t) => {
  const lab = await startLab([]);
  t.context.lab = lab;
  const pki = join(lab.server.dir, 'pki');
  const ca = { cert: await readFile(join(pki, 'ca.crt'), 'utf8'), key: await readFile(join(pki, 'ca.key'), 'utf8') };
  const cert = issueClientCertificate(ca, 'system:node:n1', ['system:nodes']);
  t.context.kubelet = await lab.certKubeconfig(cert.cert, cert.key);
  const ns = unique('sec-node');
  t.context.ns = ns;
  const manifest = `apiVersion: v1
kind: Namespace
metadata: {name: ${ns}}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
---
apiVersion: v1
kind: Secret
metadata: {name: n1-secret, namespace: ${ns}}
stringData: {k: mine}
---
apiVersion: v1
kind: Secret
metadata: {name: db-password, namespace: ${ns}}
stringData: {k: hunter2}
---
apiVersion: v1
kind: Pod
metadata: {name: on-n1, namespace: ${ns}}
spec:
  nodeName: n1
  containers: [{name: c, image: busybox}]
  volumes: [{name: s, secret: {secretName: n1-secret}}]
`;
  const r = await lab.admin(['create', '-f', '-'], manifest);
  if (r.code !== 0) throw new Error(r.stderr);
});
test.after.always(async (t) => { await t.context.lab?.stop(); });

test('the kubelet reads the secret of its own pod, but not any other Secret', async (t) => {
  const { kubelet, ns } = t.context;
  const own = await until(() => kubectl(kubelet, ['-n', ns, 'get', 'secret', 'n1-secret', '-o', 'name']), (r) => r.code === 0);
  t.is(own.stdout.trim(), 'secret/n1-secret');
  const other = await kubectl(kubelet, ['-n', ns, 'get', 'secret', 'db-password']);
  t.not(other.code, 0);
  t.regex(other.stderr, /secrets "db-password" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "[^"]+": no relationship found between node 'n1' and this object/);
  const list = await kubectl(kubelet, ['get', 'secrets', '-A']);
  t.not(list.code, 0);
  t.regex(list.stderr, /Forbidden/);
  const system = await kubectl(kubelet, ['-n', 'kube-system', 'get', 'secrets']);
  t.not(system.code, 0);
});

test('the kubelet cannot create a plain pod in kube-system', async (t) => {
  const r = await kubectl(t.context.kubelet, ['-n', 'kube-system', 'run', unique('pwn'), '--image=busybox', '--restart=Never', '--overrides={"spec":{"nodeName":"n1"}}']);
  t.not(r.code, 0, r.stdout);
  t.regex(r.stderr, /is forbidden: pod does not have "kubernetes\.io\/config\.mirror" annotation, node "n1" can only create mirror pods/);
});

test('the kubelet cannot patch another Node, nor label or taint itself with restricted labels; it may label itself otherwise', async (t) => {
  const { kubelet } = t.context;
  // (kubectl label and patch read the Node first, which the Node authorizer refuses already;
  // a server-side apply writes blind.)
  const other = await kubectl(kubelet, ['apply', '--server-side', '-f', '-'], 'apiVersion: v1\nkind: Node\nmetadata: {name: n2, labels: {pwned: "true"}}\n');
  t.not(other.code, 0);
  t.regex(other.stderr, /nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"/);
  const read = await kubectl(kubelet, ['get', 'node', 'n2']);
  t.regex(read.stderr, /node 'n1' cannot read 'n2', only its own Node object/);
  const self = await kubectl(kubelet, ['label', 'node', 'n1', 'node-restriction.kubernetes.io/pci=true']);
  t.not(self.code, 0);
  t.regex(self.stderr, /nodes "n1" is forbidden: is not allowed to modify labels: node-restriction\.kubernetes\.io\/pci/);
  const taint = await kubectl(kubelet, ['taint', 'node', 'n1', 'dedicated=x:NoSchedule']);
  t.not(taint.code, 0);
  t.regex(taint.stderr, /node "n1" is not allowed to modify taints/);
  const allowed = await kubectl(kubelet, ['label', 'node', 'n1', 'example.com/rack=7']);
  t.is(allowed.code, 0, allowed.stderr);
  t.not((await kubectl(kubelet, ['get', 'nodes'])).code, 0, 'it cannot list all nodes');
});
