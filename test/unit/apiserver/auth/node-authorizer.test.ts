// The Node authorizer over its graph, and NodeRestriction's label rule, without a server:
// what a kubelet reaches through its pods, and the reasons it is told when it does not.
import test from 'ava';
import { nodeRules } from '../../../../src/apiserver/auth/bootstrap.js';
import { NodeGraph } from '../../../../src/apiserver/auth/node/graph.js';
import { nodeAuthorizer, nodeIdentity } from '../../../../src/apiserver/auth/node/authorizer.js';
import { podSecretNames, podConfigMapNames, podClaimNames } from '../../../../src/apiserver/auth/node/pod-references.js';
import { forbiddenNodeLabels } from '../../../../src/apiserver/admission/node-restriction.js';
import type { Attributes } from '../../../../src/apiserver/auth/types.js';

const n1 = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes =>
  ({ user: n1, verb, apiGroup: '', resource, resourceRequest: true, ...extra });

const webPod = {
  metadata: { name: 'web' },
  spec: {
    nodeName: 'n1', serviceAccountName: 'runner', imagePullSecrets: [{ name: 'pull' }],
    initContainers: [{ name: 'i', envFrom: [{ configMapRef: { name: 'init-env' } }] }],
    containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } }] }],
    volumes: [
      { name: 'a', secret: { secretName: 'vol-secret' } },
      { name: 'b', projected: { sources: [{ configMap: { name: 'proj-cm' } }, { secret: { name: 'proj-secret' } }] } },
      { name: 'c', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'scratch', ephemeral: { volumeClaimTemplate: {} } },
    ],
  },
};

function graph(): NodeGraph {
  const g = new NodeGraph();
  g.setPod('team', 'web', webPod);
  g.setPod('team', 'other', { spec: { nodeName: 'n2', volumes: [{ name: 'a', secret: { secretName: 'n2-secret' } }] } });
  g.setPod('team', 'pending', { spec: { volumes: [{ name: 'a', secret: { secretName: 'pending-secret' } }] } });
  g.setClaim('team', 'data', { spec: { volumeName: 'pv-1' } });
  g.setVolume('pv-1', { spec: { csi: { driver: 'x', nodePublishSecretRef: { name: 'csi-creds', namespace: 'storage' } } } });
  return g;
}

test('pod references: every place a pod names a secret, configmap or claim', (t) => {
  t.deepEqual([...podSecretNames(webPod)].sort(), ['env-secret', 'proj-secret', 'pull', 'vol-secret']);
  t.deepEqual([...podConfigMapNames(webPod)].sort(), ['init-env', 'proj-cm']);
  t.deepEqual([...podClaimNames(webPod)].sort(), ['data', 'web-scratch']);
});

test('node identity needs both the system:node: prefix and the system:nodes group', (t) => {
  t.is(nodeIdentity(n1), 'n1');
  t.is(nodeIdentity({ name: 'system:node:n1', groups: ['system:authenticated'] }), undefined);
  t.is(nodeIdentity({ name: 'n1', groups: ['system:nodes'] }), undefined);
  t.is(nodeIdentity({ name: 'system:node:', groups: ['system:nodes'] }), '');
});

test('a node reads the secrets, configmaps, claims and volumes of its own pods only', (t) => {
  const authz = nodeAuthorizer(graph(), nodeRules());
  const get = (resource: string, name: string, namespace = 'team') => authz.authorize(res('get', resource, { name, namespace }));
  for (const s of ['pull', 'env-secret', 'vol-secret', 'proj-secret']) t.true(get('secrets', s).allowed, s);
  t.true(get('secrets', 'csi-creds', 'storage').allowed, 'pod -> claim -> volume -> secret');
  t.true(get('configmaps', 'init-env').allowed);
  t.true(get('persistentvolumeclaims', 'data').allowed);
  t.true(get('persistentvolumeclaims', 'web-scratch').allowed, 'the claim of an ephemeral volume');
  t.true(get('persistentvolumes', 'pv-1', '').allowed);
  t.true(get('pods', 'web').allowed);
  t.deepEqual(get('secrets', 'n2-secret'), { allowed: false, reason: "no relationship found between node 'n1' and this object" });
  t.false(get('secrets', 'pending-secret').allowed, 'unscheduled pods open nothing');
  t.false(get('secrets', 'vol-secret', 'other-ns').allowed, 'a name in another namespace is another secret');
  t.false(get('pods', 'other').allowed);
  t.deepEqual(authz.authorize(res('list', 'secrets', { namespace: 'team' })), { allowed: false, reason: 'No Object name found' });
  t.deepEqual(authz.authorize(res('create', 'secrets', { namespace: 'team' })), { allowed: false, reason: 'can only read resources of this type' });
  t.deepEqual(authz.authorize(res('list', 'persistentvolumeclaims', { namespace: 'team' })), { allowed: false, reason: 'can only get individual resources of this type' });
});

test('tokens, leases, nodes and pods are scoped to the node; the rest follows the static node rules', (t) => {
  const authz = nodeAuthorizer(graph(), nodeRules());
  const a = (verb: string, resource: string, extra: Partial<Attributes> = {}) => authz.authorize(res(verb, resource, extra));
  t.true(a('create', 'serviceaccounts', { subresource: 'token', name: 'runner', namespace: 'team' }).allowed);
  t.false(a('create', 'serviceaccounts', { subresource: 'token', name: 'default', namespace: 'team' }).allowed);
  t.true(a('update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n1' }).allowed);
  t.deepEqual(a('update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n2' }),
    { allowed: false, reason: 'can only access node lease with the same name as the requesting node' });
  t.true(a('get', 'nodes', { name: 'n1' }).allowed);
  t.deepEqual(a('get', 'nodes', { name: 'n2' }), { allowed: false, reason: "node 'n1' cannot read 'n2', only its own Node object" });
  t.deepEqual(a('list', 'nodes'), { allowed: false, reason: "node 'n1' cannot read all nodes, only its own Node object" });
  t.true(a('patch', 'nodes', { name: 'n2', subresource: 'status' }).allowed, 'NodeRestriction narrows this');
  t.true(a('list', 'pods', { fieldSelector: 'spec.nodeName=n1' }).allowed);
  t.true(a('watch', 'pods', { fieldSelector: 'metadata.namespace!=x,spec.nodeName==n1' }).allowed);
  t.deepEqual(a('list', 'pods', { fieldSelector: 'spec.nodeName=n2' }), { allowed: false, reason: 'can only list/watch pods with spec.nodeName field selector' });
  t.false(a('list', 'pods').allowed);
  // The escaped comma makes this one requirement on status.phase, which every pod meets: the
  // selector must be read with the list's own parser, not split on commas.
  t.false(a('list', 'pods', { fieldSelector: 'status.phase!=x\\,spec.nodeName=n1' }).allowed);
  t.false(a('list', 'pods', { fieldSelector: 'spec.nodeName!=n1' }).allowed);
  t.true(a('create', 'events', { namespace: 'team' }).allowed, 'static rule');
  t.true(a('get', 'services', { namespace: 'team', name: 's' }).allowed, 'static rule');
  t.false(a('delete', 'namespaces', { name: 'kube-system' }).allowed);
  t.false(authz.authorize({ ...res('get', 'secrets', { name: 'pull', namespace: 'team' }), user: { name: 'alice', groups: ['system:nodes'] } }).allowed, 'not a node: no opinion');
});

test('the graph follows pods as they are bound, changed and deleted', (t) => {
  const g = graph();
  const authz = nodeAuthorizer(g, nodeRules());
  const canGet = () => authz.authorize(res('get', 'secrets', { name: 'pending-secret', namespace: 'team' })).allowed;
  t.false(canGet());
  g.setPod('team', 'pending', { spec: { nodeName: 'n1', volumes: [{ name: 'a', secret: { secretName: 'pending-secret' } }] } });
  t.true(canGet(), 'bound to n1');
  g.setPod('team', 'pending', undefined);
  t.false(canGet(), 'deleted');
});

test('NodeRestriction label rule: node-restriction and unknown kubernetes.io labels are forbidden, the kubelet set is not', (t) => {
  t.deepEqual(forbiddenNodeLabels({
    'kubernetes.io/hostname': 'n1', 'node.kubernetes.io/instance-type': 'x', 'kubelet.kubernetes.io/foo': 'y', 'example.com/team': 'a',
    'node-restriction.kubernetes.io/pci': 'true', 'node-role.kubernetes.io/control-plane': '', 'foo.k8s.io/bar': 'x',
  }, undefined), ['foo.k8s.io/bar', 'node-restriction.kubernetes.io/pci', 'node-role.kubernetes.io/control-plane']);
  t.deepEqual(forbiddenNodeLabels({ 'kubernetes.io/hostname': 'n1' }, { 'kubernetes.io/hostname': 'n1', 'node-restriction.kubernetes.io/x': '1' }), ['node-restriction.kubernetes.io/x'], 'removing one counts');
  t.deepEqual(forbiddenNodeLabels({ 'node-restriction.kubernetes.io/x': '1' }, { 'node-restriction.kubernetes.io/x': '1' }), [], 'unchanged ones do not');
});
