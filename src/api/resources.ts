// The built-in resources skiff serves: the facts discovery, routing, storage and the
// OpenAPI documents share (group/version, kind, plural, scope, short names, subresources).
// Values follow upstream Kubernetes 1.32 discovery.

export interface ResourceInfo {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources served besides the resource itself: 'status', 'scale', 'binding', 'eviction', 'approval', 'token', 'log', 'exec', 'attach', 'portforward', 'proxy'. */
  subresources?: string[];
  /** The verbs served on the resource itself, when not the full set (the reviews are create-only). */
  verbs?: string[];
}

const core = (kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceInfo> = {}): ResourceInfo =>
  ({ group: '', version: 'v1', kind, plural, singular: kind.toLowerCase(), namespaced, ...extra });
const g = (group: string, version: string) => (kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceInfo> = {}): ResourceInfo =>
  ({ group, version, kind, plural, singular: kind.toLowerCase(), namespaced, ...extra });

const apps = g('apps', 'v1');
const batch = g('batch', 'v1');
const rbac = g('rbac.authorization.k8s.io', 'v1');
const net = g('networking.k8s.io', 'v1');
const all = ['all'];
// Reviews are questions, not stored objects: create is all they serve.
const createOnly = { verbs: ['create'] };
const authn = g('authentication.k8s.io', 'v1');
const authz = g('authorization.k8s.io', 'v1');

export const RESOURCES: readonly ResourceInfo[] = [
  core('Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  core('Pod', 'pods', true, { shortNames: ['po'], categories: all, subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'ephemeralcontainers'] }),
  core('Service', 'services', true, { shortNames: ['svc'], categories: all, subresources: ['status', 'proxy'] }),
  core('Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  core('ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  core('Secret', 'secrets', true),
  core('ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'] }),
  core('Node', 'nodes', false, { shortNames: ['no'], subresources: ['status', 'proxy'] }),
  core('Event', 'events', true, { shortNames: ['ev'] }),
  core('PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], subresources: ['status'] }),
  core('PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'] }),
  core('LimitRange', 'limitranges', true, { shortNames: ['limits'] }),
  core('ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: ['status'] }),
  core('ReplicationController', 'replicationcontrollers', true, { shortNames: ['rc'], categories: all, subresources: ['status', 'scale'] }),
  core('PodTemplate', 'podtemplates', true),
  apps('Deployment', 'deployments', true, { shortNames: ['deploy'], categories: all, subresources: ['status', 'scale'] }),
  apps('ReplicaSet', 'replicasets', true, { shortNames: ['rs'], categories: all, subresources: ['status', 'scale'] }),
  apps('StatefulSet', 'statefulsets', true, { shortNames: ['sts'], categories: all, subresources: ['status', 'scale'] }),
  apps('DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: all, subresources: ['status'] }),
  apps('ControllerRevision', 'controllerrevisions', true),
  batch('Job', 'jobs', true, { categories: all, subresources: ['status'] }),
  batch('CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: all, subresources: ['status'] }),
  g('discovery.k8s.io', 'v1')('EndpointSlice', 'endpointslices', true),
  g('coordination.k8s.io', 'v1')('Lease', 'leases', true),
  net('Ingress', 'ingresses', true, { shortNames: ['ing'], subresources: ['status'] }),
  net('IngressClass', 'ingressclasses', false),
  net('NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  rbac('Role', 'roles', true),
  rbac('RoleBinding', 'rolebindings', true),
  rbac('ClusterRole', 'clusterroles', false),
  rbac('ClusterRoleBinding', 'clusterrolebindings', false),
  g('policy', 'v1')('PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: ['status'] }),
  g('events.k8s.io', 'v1')('Event', 'events', true, { shortNames: ['ev'] }),
  g('node.k8s.io', 'v1')('RuntimeClass', 'runtimeclasses', false),
  g('certificates.k8s.io', 'v1')('CertificateSigningRequest', 'certificatesigningrequests', false, { shortNames: ['csr'], subresources: ['approval', 'status'] }),
  g('scheduling.k8s.io', 'v1')('PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),
  authn('TokenReview', 'tokenreviews', false, createOnly),
  authn('SelfSubjectReview', 'selfsubjectreviews', false, createOnly),
  authz('SubjectAccessReview', 'subjectaccessreviews', false, createOnly),
  authz('LocalSubjectAccessReview', 'localsubjectaccessreviews', true, createOnly),
  authz('SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, createOnly),
  authz('SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, createOnly),
];

export const groupVersion = (r: Pick<ResourceInfo, 'group' | 'version'>): string => (r.group ? `${r.group}/${r.version}` : r.version);

/** The resource served at group/version/plural, if any. */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The resource of an object's apiVersion + kind, if any. */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}
