// Per-kind columns and cells, as upstream's printers (pkg/printers/internalversion/printers.go).
// Priority 1 columns are the `-o wide` ones.
import { age, humanDuration } from './age.js';
import { eventsV1ToCore } from '../conversion/events.js';
import type {
  CertificateSigningRequest, ClusterRoleBinding, DaemonSetStatus, ConfigMap, CronJob, DaemonSet, Deployment, Endpoints, EndpointSlice, Event, EventsV1Event,
  Ingress, Job, KubeObject, LabelSelector, Lease, Namespace, Node, PersistentVolumeClaim, Pod, PodDisruptionBudget, PodTemplate, PodTemplateSpec,
  PriorityClass, ReplicaSet, ReplicationController, RoleBinding, RuntimeClass, Secret, Service, ServiceAccount, ServicePort, StatefulSet,
} from '../types.js';

export interface Column { name: string; type: string; format: string; description: string; priority: number }
export interface Printer { columns: Column[]; cells: (o: KubeObject, now: number) => unknown[] }

/**
 * A printer for one kind. The table below is keyed by kind, and the apiserver prints only
 * stored (validated) objects of the kind it looked the printer up by, so each printer may read
 * its object as that kind: this is the one place that says so.
 */
const printer = <T extends KubeObject>(p: { columns: Column[]; cells: (o: T, now: number) => unknown[] }): Printer => ({ columns: p.columns, cells: (o, now) => p.cells(o as T, now) });

const col = (name: string, description = '', priority = 0, type = 'string', format = ''): Column => ({ name, type, format, description, priority });
const NAME = col('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
const name = (o: KubeObject) => o.metadata?.name ?? '';
const created = (o: KubeObject, now: number) => age(o.metadata?.creationTimestamp, now);
const none = (s: string | undefined) => (s ? s : '<none>');
const n = (v: unknown) => (typeof v === 'number' ? v : 0);
const len = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);

function podStatus(pod: Pod): { reason: string; ready: number; total: number; restarts: number } {
  const st = pod.status ?? {};
  const containers = pod.spec?.containers ?? [];
  let reason: string = st.reason || st.phase || 'Pending';
  let restarts = 0;
  let initializing = false;
  const inits = st.initContainerStatuses ?? [];
  inits.forEach((c, i) => {
    restarts += n(c.restartCount);
    if (c.state?.terminated?.exitCode === 0) return;
    if (c.state?.terminated) reason = c.state.terminated.reason ? `Init:${c.state.terminated.reason}` : `Init:ExitCode:${c.state.terminated.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(pod.spec?.initContainers ?? []).length}`;
    initializing = true;
  });
  let ready = 0;
  if (!initializing) {
    let hasRunning = false;
    for (const c of [...(st.containerStatuses ?? [])].reverse()) {
      restarts += n(c.restartCount);
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = (st.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }
  if (pod.metadata?.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return { reason, ready, total: containers.length, restarts };
}

function servicePorts(ports: ServicePort[] | undefined): string {
  if (!ports?.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function externalIP(s: Service): string {
  const spec = s.spec ?? {};
  switch (spec.type) {
    case 'ExternalName': return spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const ips = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname).concat(spec.externalIPs ?? []);
      return ips.length ? ips.join(',') : '<pending>';
    }
    default: return spec.externalIPs?.length ? spec.externalIPs.join(',') : '<none>';
  }
}

const selector = (sel: LabelSelector | undefined): string => {
  if (!sel) return '<none>';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    parts.push(e.operator === 'Exists' ? e.key : e.operator === 'DoesNotExist' ? `!${e.key}` : `${e.key} ${e.operator.toLowerCase()} (${vals})`);
  }
  return parts.length ? parts.join(',') : '<none>';
};
// Workloads: what their pod template runs.
type Templated = KubeObject & { spec?: { template?: PodTemplateSpec } };
const images = (o: Templated) => (o.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(',');
const containerNames = (o: Templated) => (o.spec?.template?.spec?.containers ?? []).map((c) => c.name).join(',');

/** labels.FormatLabels: sorted `k=v` pairs, '<none>' when empty. */
const formatLabels = (m: unknown): string => {
  const entries = m && typeof m === 'object' ? Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
};

/** Denied beats Approved beats Pending; Failed and Issued are appended (upstream extractCSRStatus). */
function csrCondition(c: CertificateSigningRequest): string {
  const has = (t: string) => (c.status?.conditions ?? []).some((x) => x?.type === t);
  let out = has('Denied') ? 'Denied' : has('Approved') ? 'Approved' : 'Pending';
  if (has('Failed')) out += ',Failed';
  if (c.status?.certificate) out += ',Issued';
  return out;
}

function jobStatus(j: Job): string {
  const conds = j.status?.conditions ?? [];
  const is = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (is('Complete')) return 'Complete';
  if (is('Failed')) return 'Failed';
  if (j.metadata?.deletionTimestamp) return 'Terminating';
  if (is('FailureTarget')) return 'FailureTarget';
  if (is('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (is('Suspended')) return 'Suspended';
  return 'Running';
}

function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: Node): string {
  const roles = Object.keys(node.metadata?.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length)).filter(Boolean);
  return roles.length ? roles.sort().join(',') : '<none>';
}

function endpointsList(ep: Endpoints): string {
  const all: string[] = [];
  for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports?.length ? s.ports : [undefined]) all.push(p ? `${a.ip}:${p.port}` : a.ip);
  if (!all.length) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

const ACCESS_MODES = new Map([['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']]);

const BY_KIND: Record<string, Printer> = {
  '/Pod': printer<Pod>({
    columns: [NAME, col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'), col('Status', 'The aggregate status of the containers in this pod.'), col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'), AGE,
      col('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1), col('Node', 'Name of the node where the pod is running.', 1), col('Nominated Node', 'Name of the node where the pod is nominated.', 1), col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1)],
    cells: (p, now) => {
      const s = podStatus(p);
      const gates = p.spec?.readinessGates ?? [];
      const gatesTrue = gates.filter((g) => (p.status?.conditions ?? []).some((c) => c.type === g.conditionType && c.status === 'True')).length;
      return [name(p), `${s.ready}/${s.total}`, s.reason, String(s.restarts), created(p, now), none(p.status?.podIP), none(p.spec?.nodeName), none(p.status?.nominatedNodeName), gates.length ? `${gatesTrue}/${gates.length}` : '<none>'];
    },
  }),
  'apps/Deployment': printer<Deployment>({
    columns: [NAME, col('Ready', 'Number of the pod with ready state'), col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'), col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'), AGE,
      col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1)],
    cells: (d, now) => [name(d), `${n(d.status?.readyReplicas)}/${d.spec?.replicas ?? 1}`, n(d.status?.updatedReplicas), n(d.status?.availableReplicas), created(d, now), containerNames(d), images(d), selector(d.spec?.selector)],
  }),
  'apps/ReplicaSet': printer<ReplicaSet>({
    columns: [NAME, col('Desired', 'Replicas is the number of desired replicas.', 0, 'integer'), col('Current', 'Replicas is the most recently observed number of replicas.', 0, 'integer'), col('Ready', 'The number of ready replicas for this replica set.', 0, 'integer'), AGE,
      col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Selector is a label query over pods that should match the replica count.', 1)],
    cells: (r, now) => [name(r), r.spec?.replicas ?? 1, n(r.status?.replicas), n(r.status?.readyReplicas), created(r, now), containerNames(r), images(r), selector(r.spec?.selector)],
  }),
  'apps/StatefulSet': printer<StatefulSet>({
    columns: [NAME, col('Ready', 'Number of the pod with ready state'), AGE, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1)],
    cells: (s, now) => [name(s), `${n(s.status?.readyReplicas)}/${s.spec?.replicas ?? 1}`, created(s, now), containerNames(s), images(s)],
  }),
  'apps/DaemonSet': printer<DaemonSet>({
    columns: [NAME, col('Desired', '', 0, 'integer'), col('Current', '', 0, 'integer'), col('Ready', '', 0, 'integer'), col('Up-to-date', '', 0, 'integer'), col('Available', '', 0, 'integer'), col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'), AGE,
      col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'A label query over pods that are managed by the daemon set.', 1)],
    cells: (d, now) => {
      const st: Partial<DaemonSetStatus> = d.status ?? {};
      const ns = Object.entries(d.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      return [name(d), n(st.desiredNumberScheduled), n(st.currentNumberScheduled), n(st.numberReady), n(st.updatedNumberScheduled), n(st.numberAvailable), none(ns), created(d, now), containerNames(d), images(d), selector(d.spec?.selector)];
    },
  }),
  '/ReplicationController': printer<ReplicationController>({
    columns: [NAME, col('Desired', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller', 0, 'integer'),
      col('Current', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller', 0, 'integer'),
      col('Ready', 'The number of ready replicas for this replication controller.', 0, 'integer'), AGE,
      col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1)],
    cells: (r, now) => [name(r), r.spec?.replicas ?? 1, n(r.status?.replicas), n(r.status?.readyReplicas), created(r, now), containerNames(r), images(r), formatLabels(r.spec?.selector)],
  }),
  '/PodTemplate': printer<PodTemplate>({
    columns: [NAME, col('Containers', 'Names of each container in the template.'), col('Images', 'Images referenced by each container in the template.'), col('Pod Labels', 'The labels for the pod template.')],
    cells: (t) => {
      const containers = t.template?.spec?.containers ?? [];
      return [name(t), containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), formatLabels(t.template?.metadata?.labels)];
    },
  }),
  'node.k8s.io/RuntimeClass': printer<RuntimeClass>({
    columns: [NAME, col('Handler'), AGE],
    cells: (r, now) => [name(r), r.handler ?? '', created(r, now)],
  }),
  'scheduling.k8s.io/PriorityClass': printer<PriorityClass>({
    columns: [NAME, col('Value', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', 0, 'integer'),
      col('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.', 0, 'boolean'),
      AGE, col('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.')],
    cells: (p, now) => [name(p), p.value ?? 0, p.globalDefault ?? false, created(p, now), p.preemptionPolicy ?? '<none>'],
  }),
  'certificates.k8s.io/CertificateSigningRequest': printer<CertificateSigningRequest>({
    columns: [NAME, AGE, col('SignerName', 'Name of the signer that issues the certificate.'), col('Requestor', 'Name of the user that created the request.'),
      col('RequestedDuration', 'The requested duration of the certificate.'), col('Condition', 'The condition of the certificate request.')],
    cells: (c, now) => [name(c), created(c, now), c.spec?.signerName || '<none>', c.spec?.username ?? '',
      typeof c.spec?.expirationSeconds === 'number' ? humanDuration(c.spec.expirationSeconds * 1000) : '<none>', csrCondition(c)],
  }),
  '/Service': printer<Service>({
    columns: [NAME, col('Type', 'The type of service.'), col('Cluster-IP', 'The cluster IP of the service.'), col('External-IP', 'The external IP of the service.'), col('Port(s)', 'The ports of the service.'), AGE, col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1)],
    cells: (s, now) => [name(s), s.spec?.type ?? 'ClusterIP', none(s.spec?.clusterIP), externalIP(s), servicePorts(s.spec?.ports), created(s, now), s.spec?.selector ? none(Object.entries(s.spec.selector).map(([k, v]) => `${k}=${v}`).join(',')) : '<none>'],
  }),
  '/Node': printer<Node>({
    columns: [NAME, col('Status', 'The status of the node'), col('Roles', 'The roles of the node'), AGE, col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1), col('External-IP', 'List of addresses reachable to the node.', 1), col('OS-Image', 'OS Image reported by the node from /etc/os-release.', 1), col('Kernel-Version', 'Kernel Version reported by the node.', 1), col('Container-Runtime', 'Container Runtime Version reported by the node.', 1)],
    cells: (nd, now) => {
      const addr = (t: string) => none((nd.status?.addresses ?? []).find((a) => a.type === t)?.address);
      const info = nd.status?.nodeInfo;
      return [name(nd), nodeStatus(nd), nodeRoles(nd), created(nd, now), info?.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), none(info?.osImage), none(info?.kernelVersion), none(info?.containerRuntimeVersion)];
    },
  }),
  '/Namespace': printer<Namespace>({ columns: [NAME, col('Status', 'The status of the namespace'), AGE], cells: (ns, now) => [name(ns), ns.status?.phase ?? 'Active', created(ns, now)] }),
  '/ConfigMap': printer<ConfigMap>({ columns: [NAME, col('Data', '', 0, 'integer'), AGE], cells: (c, now) => [name(c), len(c.data) + len(c.binaryData), created(c, now)] }),
  '/Secret': printer<Secret>({ columns: [NAME, col('Type', 'The type of the secret'), col('Data', 'The number of entries in the secret', 0, 'integer'), AGE], cells: (s, now) => [name(s), s.type ?? 'Opaque', len(s.data), created(s, now)] }),
  '/ServiceAccount': printer<ServiceAccount>({ columns: [NAME, col('Secrets', '', 0, 'integer'), AGE], cells: (s, now) => [name(s), (s.secrets ?? []).length, created(s, now)] }),
  '/Endpoints': printer<Endpoints>({ columns: [NAME, col('Endpoints', 'Endpoints of the service'), AGE], cells: (e, now) => [name(e), endpointsList(e), created(e, now)] }),
  '/PersistentVolumeClaim': printer<PersistentVolumeClaim>({
    columns: [NAME, col('Status'), col('Volume'), col('Capacity'), col('Access Modes'), col('StorageClass'), col('VolumeAttributesClass'), AGE],
    cells: (p, now) => [name(p), p.status?.phase ?? 'Pending', p.spec?.volumeName ?? '', p.status?.capacity?.storage ?? '', (p.status?.accessModes ?? []).map((m) => ACCESS_MODES.get(m) ?? m).join(','), none(p.spec?.storageClassName), none(p.spec?.volumeAttributesClassName), created(p, now)],
  }),
  '/Event': printer<Event>({
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', '', 1), col('Source', '', 1), col('Message'), col('First Seen', '', 1), col('Count', '', 1), { ...NAME, priority: 1 }],
    cells: (e, now) => {
      const last = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      const obj = e.involvedObject ?? {};
      return [age(last, now), e.type ?? '', e.reason ?? '', `${(obj.kind ?? '').toLowerCase()}/${obj.name ?? ''}`, obj.fieldPath ?? '', e.source?.component ?? e.reportingComponent ?? '', e.message ?? '', age(e.firstTimestamp ?? e.eventTime, now), e.series?.count ?? e.count ?? 1, name(e)];
    },
  }),
  'batch/Job': printer<Job>({
    columns: [NAME, col('Status', 'Status of the job.'), col('Completions', 'The completion status of the job.'), col('Duration', 'Time required to complete the job.'), AGE,
      col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'A label query over pods that should match the pod count.', 1)],
    cells: (j, now) => {
      const completions = j.spec?.completions != null ? `${n(j.status?.succeeded)}/${j.spec.completions}` : `${n(j.status?.succeeded)}/1 of ${j.spec?.parallelism ?? 1}`;
      const start = Date.parse(j.status?.startTime ?? '');
      const end = j.status?.completionTime ? Date.parse(j.status.completionTime) : now;
      return [name(j), jobStatus(j), completions, Number.isNaN(start) ? '' : age(new Date(start).toISOString(), end), created(j, now), containerNames(j), images(j), selector(j.spec?.selector)];
    },
  }),
  'batch/CronJob': printer<CronJob>({
    columns: [NAME, col('Schedule', 'The schedule in Cron format.'), col('Timezone', 'The timezone for the schedule.'), col('Suspend', 'Whether the cron job is suspended.', 0, 'boolean'), col('Active', 'Number of active jobs.', 0, 'integer'), col('Last Schedule', 'When the job was last scheduled.'), AGE],
    cells: (c, now) => [name(c), c.spec?.schedule ?? '', none(c.spec?.timeZone), c.spec?.suspend ?? false, (c.status?.active ?? []).length, c.status?.lastScheduleTime ? age(c.status.lastScheduleTime, now) : '<none>', created(c, now)],
  }),
  'coordination.k8s.io/Lease': printer<Lease>({ columns: [NAME, col('Holder', 'The holder of the lease.'), AGE], cells: (l, now) => [name(l), l.spec?.holderIdentity ?? '', created(l, now)] }),
  'discovery.k8s.io/EndpointSlice': printer<EndpointSlice>({
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells: (e, now) => {
      const ports = (e.ports ?? []).map((p) => p.port ?? '').join(',') || '<unset>';
      const addrs = (e.endpoints ?? []).flatMap((x) => x.addresses ?? []);
      return [name(e), e.addressType ?? '', ports, addrs.length ? (addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',')) : '<unset>', created(e, now)];
    },
  }),
  'networking.k8s.io/Ingress': printer<Ingress>({
    columns: [NAME, col('Class'), col('Hosts'), col('Address'), col('Ports'), AGE],
    cells: (i, now) => {
      const hosts = (i.spec?.rules ?? []).map((r) => r.host || '*');
      const addr = (i.status?.loadBalancer?.ingress ?? []).map((x) => x.ip || x.hostname);
      return [name(i), none(i.spec?.ingressClassName), hosts.length ? hosts.join(',') : '*', addr.join(','), i.spec?.tls?.length ? '80, 443' : '80', created(i, now)];
    },
  }),
  'policy/PodDisruptionBudget': printer<PodDisruptionBudget>({
    columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', '', 0, 'integer'), AGE],
    cells: (p, now) => [name(p), p.spec?.minAvailable != null ? String(p.spec.minAvailable) : 'N/A', p.spec?.maxUnavailable != null ? String(p.spec.maxUnavailable) : 'N/A', n(p.status?.disruptionsAllowed), created(p, now)],
  }),
  'rbac.authorization.k8s.io/RoleBinding': printer<RoleBinding>({
    columns: [NAME, col('Role'), AGE, col('Users', '', 1), col('Groups', '', 1), col('ServiceAccounts', '', 1)],
    cells: (b, now) => [name(b), `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, created(b, now), ...subjects(b)],
  }),
  'rbac.authorization.k8s.io/ClusterRoleBinding': printer<ClusterRoleBinding>({
    columns: [NAME, col('Role'), AGE, col('Users', '', 1), col('Groups', '', 1), col('ServiceAccounts', '', 1)],
    cells: (b, now) => [name(b), `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, created(b, now), ...subjects(b)],
  }),
  'rbac.authorization.k8s.io/Role': printer<KubeObject>({ columns: [NAME, col('Created At', '', 0, 'date')], cells: (r) => [name(r), r.metadata?.creationTimestamp ?? ''] }),
  'rbac.authorization.k8s.io/ClusterRole': printer<KubeObject>({ columns: [NAME, col('Created At', '', 0, 'date')], cells: (r) => [name(r), r.metadata?.creationTimestamp ?? ''] }),
};

/** The printer of each kind, keyed `<group>/<Kind>`. */
export const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ...Object.entries(BY_KIND),
  // One printer for both Event APIs, as upstream prints the internal type.
  ['events.k8s.io/Event', printer<EventsV1Event>({ columns: BY_KIND['/Event']!.columns, cells: (e, now) => BY_KIND['/Event']!.cells(eventsV1ToCore(e), now) })],
]);

function subjects(b: RoleBinding | ClusterRoleBinding): string[] {
  const of = (k: string) => (b.subjects ?? []).filter((s) => s.kind === k).map((s) => (k === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name)).join(', ');
  return [of('User'), of('Group'), of('ServiceAccount')];
}

/** Built-in kinds with no printer of their own: Name and Age. */
export const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => [name(o), created(o, now)] };

/** Kinds we do not know (custom resources): Name and Created At, as upstream's default table. */
export const CUSTOM_PRINTER: Printer = {
  columns: [NAME, col('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', 0, 'date')],
  cells: (o) => [name(o), o?.metadata?.creationTimestamp ?? ''],
};
