// The default ClusterRoles and ClusterRoleBindings an apiserver creates at start (upstream
// bootstrappolicy), so kubectl users find cluster-admin/admin/edit/view and the system:
// roles they expect. admin/edit/view are created with an aggregationRule and no rules: the
// ClusterRole aggregation controller (src/controllers/clusterrole-aggregation) fills them from
// the system:aggregate-to-* roles, and from any other role labelled to aggregate into them.
import type { PolicyRule, RbacObject, Subject } from './rbac.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule =>
  ({ apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) });
const urls = (nonResourceURLs: string[], verbs = ['get']): PolicyRule => ({ nonResourceURLs, verbs });

function meta(name: string, labels: Record<string, string> = {}) {
  return {
    name,
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels },
    annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  };
}

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>, aggregateFrom?: string) {
  return {
    apiVersion: RBAC,
    kind: 'ClusterRole',
    metadata: meta(name, labels),
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/${aggregateFrom}`]: 'true' } }] } } : {}),
    rules,
  };
}

function binding(name: string, role: string, subjects: Subject[]) {
  return {
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: subjects.map((s) => (s.kind === 'ServiceAccount' ? s : { apiGroup: 'rbac.authorization.k8s.io', ...s })),
  };
}

const group = (name: string): Subject => ({ kind: 'Group', name });
const user = (name: string): Subject => ({ kind: 'User', name });

const aggregateToView: PolicyRule[] = [
  rule([''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'], READ),
  rule([''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status'], READ),
  rule([''], ['namespaces'], READ),
  rule(['discovery.k8s.io'], ['endpointslices'], READ),
  rule(['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], READ),
  rule(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], READ),
  rule(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], READ),
  rule(['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale'], READ),
  rule(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], READ),
  rule(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], READ),
];

const aggregateToEdit: PolicyRule[] = [
  rule([''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], READ),
  rule([''], ['serviceaccounts'], ['impersonate']),
  rule([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], WRITE),
  rule([''], ['pods/eviction'], ['create']),
  rule([''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'], WRITE),
  rule([''], ['serviceaccounts/token'], ['create']),
  rule(['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], WRITE),
  rule(['autoscaling'], ['horizontalpodautoscalers'], WRITE),
  rule(['batch'], ['cronjobs', 'jobs'], WRITE),
  rule(['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale'], WRITE),
  rule(['policy'], ['poddisruptionbudgets'], WRITE),
  rule(['networking.k8s.io'], ['ingresses', 'networkpolicies'], WRITE),
  rule(['coordination.k8s.io'], ['leases'], ALL_VERBS),
];

const aggregateToAdmin: PolicyRule[] = [
  rule(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
  rule(['rbac.authorization.k8s.io'], ['rolebindings', 'roles'], ALL_VERBS),
];

const eventsWrite = rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']);
const reviews = [rule(['authentication.k8s.io'], ['tokenreviews'], ['create']), rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create'])];

const scheduler: PolicyRule[] = [
  eventsWrite,
  rule(['coordination.k8s.io'], ['leases'], ['create']),
  rule(['coordination.k8s.io'], ['leases'], ['get', 'update'], ['kube-scheduler']),
  rule([''], ['nodes'], READ),
  rule([''], ['pods'], ['delete', ...READ]),
  rule([''], ['bindings', 'pods/binding'], ['create']),
  rule([''], ['pods/status'], ['patch', 'update']),
  rule([''], ['replicationcontrollers', 'services'], READ),
  rule(['apps', 'extensions'], ['replicasets'], READ),
  rule(['apps'], ['statefulsets'], READ),
  rule(['policy'], ['poddisruptionbudgets'], READ),
  rule([''], ['persistentvolumeclaims', 'persistentvolumes'], READ),
  ...reviews,
  rule(['storage.k8s.io'], ['csinodes', 'csidrivers', 'csistoragecapacities'], READ),
  rule([''], ['namespaces'], READ),
];

// Upstream's own role is small because each controller runs under its own ServiceAccount
// (--use-service-account-credentials). skiff's controllers share one identity, so this
// role also grants what those per-controller roles would: writes to the objects they manage.
const controllerManager: PolicyRule[] = [
  eventsWrite,
  rule(['coordination.k8s.io'], ['leases'], ['create']),
  rule(['coordination.k8s.io'], ['leases'], ['get', 'update'], ['kube-controller-manager']),
  rule([''], ['secrets', 'serviceaccounts'], ['create']),
  rule([''], ['secrets'], ['delete']),
  rule([''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts'], ['get']),
  rule([''], ['secrets', 'serviceaccounts'], ['update']),
  ...reviews,
  rule(['*'], ['*'], ['list', 'watch']),
  rule([''], ['serviceaccounts/token'], ['create']),
  rule([''], ['pods', 'pods/status', 'endpoints', 'services/status', 'nodes', 'nodes/status', 'namespaces', 'namespaces/status', 'namespaces/finalize', 'persistentvolumes', 'persistentvolumes/status', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'resourcequotas/status', 'configmaps'], ['get', ...WRITE]),
  rule(['apps'], ['deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale', 'statefulsets', 'statefulsets/status', 'daemonsets', 'daemonsets/status', 'controllerrevisions'], ['get', ...WRITE]),
  rule(['batch'], ['jobs', 'jobs/status', 'jobs/finalizers', 'cronjobs', 'cronjobs/status'], ['get', ...WRITE]),
  rule(['discovery.k8s.io'], ['endpointslices'], ['get', ...WRITE]),
  rule(['policy'], ['poddisruptionbudgets/status'], ['get', 'patch', 'update']),
  rule(['*'], ['*'], ['get']),
];

const node: PolicyRule[] = [
  ...reviews,
  rule(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
  rule([''], ['services'], READ),
  rule([''], ['nodes'], ['create', ...READ]),
  rule([''], ['nodes/status'], ['patch', 'update']),
  rule([''], ['nodes'], ['patch', 'update']),
  rule([''], ['events'], ['create', 'patch', 'update']),
  rule([''], ['pods'], READ),
  rule([''], ['pods'], ['create', 'delete']),
  rule([''], ['pods/status'], ['patch', 'update']),
  rule([''], ['pods/eviction'], ['create']),
  rule([''], ['configmaps', 'secrets'], READ),
  rule([''], ['persistentvolumeclaims', 'persistentvolumes'], ['get']),
  rule([''], ['endpoints'], ['get']),
  rule(['certificates.k8s.io'], ['certificatesigningrequests'], ['create', ...READ]),
  rule(['coordination.k8s.io'], ['leases'], ['create', 'delete', 'get', 'patch', 'update']),
  rule(['storage.k8s.io'], ['volumeattachments'], ['get']),
  rule([''], ['serviceaccounts/token'], ['create']),
  rule([''], ['persistentvolumeclaims/status'], ['get', 'patch', 'update']),
  rule(['storage.k8s.io'], ['csidrivers'], READ),
  rule(['storage.k8s.io'], ['csinodes'], ['create', 'delete', 'get', 'patch', 'update']),
  rule(['node.k8s.io'], ['runtimeclasses'], READ),
];

/** The rules every node holds (upstream NodeRules): the Node authorizer's static half, and the system:node role. */
export const nodeRules = (): PolicyRule[] => structuredClone(node);

const nodeProxier: PolicyRule[] = [
  rule([''], ['endpoints', 'services'], ['list', 'watch']),
  rule([''], ['nodes'], READ),
  eventsWrite,
  rule(['discovery.k8s.io'], ['endpointslices'], ['list', 'watch']),
];

const healthURLs = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

/**
 * The bootstrap ClusterRoles then ClusterRoleBindings, as plain JSON objects ready to store
 * (create each if absent at server start). Never fails.
 */
export function bootstrapRbac(): RbacObject[] {
  const roles = [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('admin', [], {}, 'aggregate-to-admin'),
    clusterRole('edit', [], { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }, 'aggregate-to-edit'),
    clusterRole('view', [], { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }, 'aggregate-to-view'),
    clusterRole('system:aggregate-to-admin', aggregateToAdmin, { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
    clusterRole('system:aggregate-to-edit', aggregateToEdit, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
    clusterRole('system:aggregate-to-view', aggregateToView, { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }),
    clusterRole('system:discovery', [urls(['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    clusterRole('system:basic-user', [
      rule(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']),
      rule(['authentication.k8s.io'], ['selfsubjectreviews'], ['create']),
    ]),
    clusterRole('system:public-info-viewer', [urls(healthURLs)]),
    clusterRole('system:monitoring', [urls(['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
    clusterRole('system:auth-delegator', reviews),
    clusterRole('system:service-account-issuer-discovery', [urls(['/.well-known/openid-configuration', '/openid/v1/jwks'])]),
    clusterRole('system:node', node),
    clusterRole('system:node-proxier', nodeProxier),
    clusterRole('system:kube-scheduler', scheduler),
    clusterRole('system:kube-controller-manager', controllerManager),
  ];
  const bindings = [
    binding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    binding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    binding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    binding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    binding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
    binding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    // Without subjects, as upstream: kubelets are authorized by the Node authorizer (auth/node),
    // which grants the same rules scoped to each node's own objects.
    binding('system:node', 'system:node', []),
    binding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
    binding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
    binding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
  ];
  return [...roles, ...bindings];
}
