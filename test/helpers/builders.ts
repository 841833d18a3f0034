// Builders for the API objects tests hand-build most: plain, typed (src/api/types.ts) objects,
// so they compare with deepEqual and serialize as JSON. Each takes 'ns/name' (or a bare name:
// namespace 'default'; cluster-scoped kinds take a name) and modifiers, applied in order:
//
//   pod('ns/web', hostPort(80), onNode('n1'))
//   pod('ns/web').withHostPort(80).onNode('n1')      (the same pod, built by chaining)
//   service('ns/web', '10.96.0.10:80/TCP', { selector: { app: 'web' } })
//   endpointSlice('ns/web', ['10.244.1.5:8080'])
//   node('n1', { internalIP: '192.168.1.10', podCIDR: '10.244.1.0/24' })
//
// Defaults are the smallest objects the apiserver's validation accepts. A pod's chain methods
// apply the same modifiers; they are non-enumerable, so JSON, structuredClone, Object.entries
// and deepEqual see the data only, and each returns a new pod, leaving its receiver as it was.
import type { Container, ContainerPort, EndpointSlice, Node, ObjectMeta, Pod, PodSpec, PodStatus, Service, ServicePort } from '../../src/api/types.js';

type Protocol = NonNullable<ContainerPort['protocol']>;

function metaOf(key: string): ObjectMeta {
  const [namespace, name] = key.includes('/') ? key.split('/', 2) as [string, string] : ['default', key];
  return { namespace, name };
}

/** 'ip:port/PROTO' or '[ipv6]:port/PROTO' (protocol optional, TCP by default). Throws on anything else: a typo in a test is a bug. */
function parseAddress(address: string): { ip: string; family: 'IPv4' | 'IPv6'; port: number; protocol: Protocol } {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+)):(\d+)(?:\/(TCP|UDP|SCTP))?$/i.exec(address);
  if (!m) throw new Error(`builders: want ip:port[/proto], got ${JSON.stringify(address)}`);
  return { ip: m[1] ?? m[2]!, family: m[1] ? 'IPv6' : 'IPv4', port: Number(m[3]), protocol: (m[4]?.toUpperCase() ?? 'TCP') as Protocol };
}

// ---- Pod ----

export type PodModifier = (pod: Pod) => void;

/** The modifiers as methods, for building a pod by chaining. */
export interface PodChain {
  /** Applies modifiers to a copy. */
  with(...modifiers: PodModifier[]): PodFixture;
  /** Appends a container. */
  withContainer(container: Container): PodFixture;
  /** Replaces the containers. */
  withContainers(...list: Container[]): PodFixture;
  withHostPort(port: number, protocol?: Protocol): PodFixture;
  onNode(nodeName: string): PodFixture;
  withLabels(labels: Record<string, string>): PodFixture;
  withSpec(fields: Partial<PodSpec>): PodFixture;
}

export type PodFixture = Pod & PodChain;

function chained(p: Pod): PodFixture {
  const next = (...modifiers: PodModifier[]): PodFixture => {
    const copy = structuredClone(p);
    for (const modify of modifiers) modify(copy);
    return chained(copy);
  };
  const chain: PodChain = {
    with: next,
    withContainer: (c) => next(addContainer(c)),
    withContainers: (...list) => next(containers(...list)),
    withHostPort: (port, protocol) => next(hostPort(port, protocol)),
    onNode: (nodeName) => next(onNode(nodeName)),
    withLabels: (labels) => next(labeled(labels)),
    withSpec: (fields) => next(specFields(fields)),
  };
  const methods = Object.fromEntries(Object.entries(chain).map(([name, value]) => [name, { value, enumerable: false }]));
  // defineProperties is typed as returning its argument: what it adds is the PodChain above.
  return Object.defineProperties(p, methods) as PodFixture;
}

/** A pod with one container `main` running busybox, unscheduled. */
export function pod(key: string, ...modifiers: PodModifier[]): PodFixture {
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: metaOf(key), spec: { containers: [{ name: 'main', image: 'busybox' }] } };
  for (const modify of modifiers) modify(p);
  return chained(p);
}

const spec = (p: Pod) => (p.spec ??= { containers: [] });
const firstContainer = (p: Pod): Container => {
  const c = spec(p).containers[0];
  if (!c) throw new Error('builders: the pod has no container');
  return c;
};

/** Replaces the pod's containers. */
export const containers = (...list: Container[]): PodModifier => (p) => { spec(p).containers = list; };

/** Appends a container. */
export const addContainer = (container: Container): PodModifier => (p) => { spec(p).containers.push(container); };

/** Sets spec fields, replacing what was there. */
export const specFields = (fields: Partial<PodSpec>): PodModifier => (p) => { Object.assign(spec(p), structuredClone(fields)); };

/** The first container exposes `port` as the same host port. */
export const hostPort = (port: number, protocol: Protocol = 'TCP'): PodModifier => (p) => {
  const c = firstContainer(p);
  c.ports = [...(c.ports ?? []), { containerPort: port, hostPort: port, protocol }];
};

export const onNode = (nodeName: string): PodModifier => (p) => { spec(p).nodeName = nodeName; };

export const labeled = (labels: Record<string, string>): PodModifier => (p) => { p.metadata.labels = { ...p.metadata.labels, ...labels }; };

export const createdAt = (timestamp: string): PodModifier => (p) => { p.metadata.creationTimestamp = timestamp; };

export const withStatus = (status: PodStatus): PodModifier => (p) => { p.status = status; };

// ---- Service ----

export interface ServiceOptions {
  selector?: Record<string, string>;
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** The node port of the port in the address. */
  nodePort?: number;
  /** More ports after the one in the address. */
  ports?: ServicePort[];
}

/** A service at `address` ('clusterIP:port/PROTO'), its first port named by its protocol and number. */
export function service(key: string, address: string, options: ServiceOptions = {}): Service {
  const { ip, port, protocol } = parseAddress(address);
  const first: ServicePort = { name: `${protocol.toLowerCase()}-${port}`, port, protocol, ...(options.nodePort ? { nodePort: options.nodePort } : {}) };
  return {
    apiVersion: 'v1', kind: 'Service', metadata: metaOf(key),
    spec: {
      type: options.type ?? 'ClusterIP', clusterIP: ip, ports: [first, ...(options.ports ?? [])],
      ...(options.selector ? { selector: options.selector } : {}),
    },
  };
}

// ---- EndpointSlice ----

export interface EndpointSliceOptions {
  /** Every endpoint's readiness; default true. */
  ready?: boolean;
  nodeName?: string;
}

/**
 * The slice of service `key` with one endpoint per address ('ip:port/PROTO'). A slice's ports
 * apply to all its endpoints, so the addresses must share port and protocol.
 */
export function endpointSlice(key: string, addresses: readonly string[], options: EndpointSliceOptions = {}): EndpointSlice {
  const meta = metaOf(key);
  const parsed = addresses.map(parseAddress);
  const first = parsed[0];
  if (first && parsed.some((a) => a.port !== first.port || a.protocol !== first.protocol)) {
    throw new Error('builders: one EndpointSlice carries one port set; build one slice per port');
  }
  if (first && parsed.some((a) => a.family !== first.family)) throw new Error('builders: one EndpointSlice carries one address family');
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: meta.namespace, name: `${meta.name}-slice`, labels: { 'kubernetes.io/service-name': meta.name! } },
    addressType: first?.family ?? 'IPv4',
    endpoints: parsed.map((a) => ({ addresses: [a.ip], conditions: { ready: options.ready ?? true }, ...(options.nodeName ? { nodeName: options.nodeName } : {}) })),
    ports: first ? [{ name: `${first.protocol.toLowerCase()}-${first.port}`, port: first.port, protocol: first.protocol }] : [],
  };
}

// ---- Node ----

export interface NodeOptions {
  internalIP?: string;
  podCIDR?: string;
  /** Ready condition status; default 'True'. */
  ready?: 'True' | 'False' | 'Unknown';
  labels?: Record<string, string>;
  unschedulable?: boolean;
}

export function node(name: string, options: NodeOptions = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } },
    spec: {
      ...(options.podCIDR ? { podCIDR: options.podCIDR, podCIDRs: [options.podCIDR] } : {}),
      ...(options.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      conditions: [{ type: 'Ready', status: options.ready ?? 'True' }],
      ...(options.internalIP ? { addresses: [{ type: 'InternalIP', address: options.internalIP }] } : {}),
    },
  };
}
