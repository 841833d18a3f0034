// The API objects tests build by hand most often, as a client would send them: plain JSON of the
// generated types, so a fixture reads as what it is (`pod('ns/web').withHostPort(80)`) and a test
// states only what it is about. A pod's chain methods are non-enumerable own properties: JSON,
// structuredClone, Object.entries and t.deepEqual see the data only, and each method returns a
// new pod, leaving the one it was called on as it was.
import type { Container, ContainerPort, EndpointSlice, Node, Pod, PodSpec, Service } from '../../src/api/types.js';

type Protocol = NonNullable<ContainerPort['protocol']>;

/** 'ns/name' as metadata; a name without a slash has no namespace (cluster-scoped, or left to the caller). */
function meta(key: string): { name: string; namespace?: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { name: key };
  const namespace = key.slice(0, slash);
  const name = key.slice(slash + 1);
  if (!namespace || !name || name.includes('/')) throw new Error(`builders: "${key}" is not "namespace/name"`);
  return { name, namespace };
}

const PROTOCOLS: ReadonlyMap<string, Protocol> = new Map([['tcp', 'TCP'], ['udp', 'UDP'], ['sctp', 'SCTP']]);

function protocol(text: string | undefined, whole: string): Protocol {
  const p = PROTOCOLS.get((text ?? 'tcp').toLowerCase());
  if (!p) throw new Error(`builders: unknown protocol in "${whole}" (tcp, udp or sctp)`);
  return p;
}

interface Endpoint { ip: string; family: 'IPv4' | 'IPv6'; port: number; protocol: Protocol }

/** '10.96.0.10:80/tcp' or '[fd00::10]:80/udp' (protocol optional, TCP by default). */
function endpoint(text: string): Endpoint {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})(?:\/([a-zA-Z]+))?$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw new Error(`builders: "${text}" is not "ip:port[/protocol]"`);
  const ip = m[1] ?? m[2]!;
  return { ip, family: m[1] ? 'IPv6' : 'IPv4', port, protocol: protocol(m[4], text) };
}

export interface PodChain {
  /** Appends a container: a whole Container, or a name (the image is busybox). */
  withContainer(container: Container | string): PodFixture;
  /**
   * Publishes hostPort on the last container (adding one named after the pod when there is
   * none); the containerPort is the same number unless given, the protocol left to defaulting.
   */
  withHostPort(hostPort: number, port?: Partial<ContainerPort>): PodFixture;
  /** Binds the pod to a node (spec.nodeName), as the scheduler does. */
  onNode(name: string): PodFixture;
  /** Adds labels (replacing values of the same keys). */
  withLabels(labels: Record<string, string>): PodFixture;
  /** Sets spec fields, replacing what was there (containers included). */
  withSpec(fields: Partial<PodSpec>): PodFixture;
}

/** A pod always has a spec here, so tests reach its containers without `?.`. */
type PodData = Pod & { spec: PodSpec };

export type PodFixture = PodData & PodChain;

function fixture(data: PodData): PodFixture {
  const next = (change: (p: PodData) => void): PodFixture => {
    const copy = structuredClone(data);
    change(copy);
    return fixture(copy);
  };
  const chain: PodChain = {
    withContainer: (c) => next((p) => {
      p.spec.containers.push(typeof c === 'string' ? { name: c, image: 'busybox' } : structuredClone(c));
    }),
    withHostPort: (hostPort, port = {}) => next((p) => {
      if (p.spec.containers.length === 0) p.spec.containers.push({ name: p.metadata.name ?? 'c', image: 'busybox' });
      const last = p.spec.containers[p.spec.containers.length - 1]!;
      (last.ports ??= []).push({ containerPort: hostPort, ...port, hostPort });
    }),
    onNode: (name) => next((p) => {
      p.spec.nodeName = name;
    }),
    withLabels: (labels) => next((p) => {
      p.metadata.labels = { ...p.metadata.labels, ...labels };
    }),
    withSpec: (fields) => next((p) => {
      Object.assign(p.spec, structuredClone(fields));
    }),
  };
  const methods = Object.fromEntries(Object.entries(chain).map(([name, value]) => [name, { value, enumerable: false }]));
  // defineProperties is typed as returning its argument: the methods it adds are the PodChain above.
  return Object.defineProperties(data, methods) as PodFixture;
}

/** A Pod 'ns/name' with no containers yet (add them with withContainer or withHostPort). */
export function pod(key: string): PodFixture {
  return fixture({ apiVersion: 'v1', kind: 'Pod', metadata: meta(key), spec: { containers: [] } });
}

/** A ClusterIP Service 'ns/name' at '10.96.0.10:80/tcp' whose port targets the same number. */
export function service(key: string, address: string): Service {
  const at = endpoint(address);
  return {
    apiVersion: 'v1', kind: 'Service', metadata: meta(key),
    spec: { type: 'ClusterIP', clusterIP: at.ip, clusterIPs: [at.ip], ipFamilies: [at.family], ports: [{ port: at.port, protocol: at.protocol, targetPort: at.port }] },
  };
}

/** A Ready Node with the hostname label the kubelet sets. */
export function node(name: string): Node {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/**
 * The EndpointSlice of Service 'ns/name' with one ready endpoint per 'ip:port[/protocol]'. A
 * slice has one address family and one port list, so every address must share them.
 */
export function endpointSlice(key: string, addresses: readonly string[]): EndpointSlice {
  const { name, namespace } = meta(key);
  const eps = addresses.map(endpoint);
  const first = eps[0];
  if (!first) throw new Error('builders: an EndpointSlice needs at least one address');
  const odd = eps.find((e) => e.family !== first.family || e.port !== first.port || e.protocol !== first.protocol);
  if (odd) throw new Error(`builders: ${odd.ip} differs from ${first.ip} in family, port or protocol; one slice has one of each`);
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels: { 'kubernetes.io/service-name': name } },
    addressType: first.family,
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: true } })),
    ports: [{ port: first.port, protocol: first.protocol }],
  };
}
