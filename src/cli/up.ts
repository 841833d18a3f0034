// `skiff up`: a single-node cluster in one process tree — the control plane (apiserver over
// SQLite, node IPAM), the node's credentials issued from its CA, the embedded CRI runtime and the
// kubelet — with progress lines while it starts and then the KUBECONFIG line to use. A flag
// error, an unusable data dir or a taken port is one line and exit 1 with nothing left running
// (src/rollback.ts); SIGTERM closes the kubelet, the runtime, then the control plane.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parseCidr } from '../apiserver/alloc/cidr.js';
import { subdomainProblems } from '../api/validation/field.js';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_CIDR_MASK_SIZE, flag, parseClusterCidr, parseCount, parseListen } from './server.js';
import { serveUntilSignal, type Serving } from './serve.js';
import { isIP } from 'node:net';

export interface UpOptions {
  dataDir: string;
  listen: string;
  nodeName: string;
  nodeIp?: string;
  clusterCidr: string;
  nodeCidrMaskSize: number;
  serviceCidr: string;
  clusterDns?: string;
  containerRuntimeEndpoint?: string;
  registries?: string;
  cgroupRoot: string;
  cniConfDir?: string;
  cniBinDir: string;
  kubeletPort: number;
}

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const DEFAULT_KUBELET_PORT = 10250;

/** Flags `skiff up` and `skiff agent` share: the node's name, address, runtime, network and cgroups. */
export function nodeFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--node-name <name>', 'the Node\'s name (a DNS-1123 subdomain)').argParser(flag(parseNodeName)).default(defaultNodeName(), 'this host\'s name, lowercased'))
    .option('--node-ip <ip>', 'the node\'s InternalIP (default: the first IPv4 address of the default route\'s interface)', flag(parseIp('--node-ip')))
    .option('--container-runtime-endpoint <socket>', 'a CRI runtime\'s socket (containerd, CRI-O) instead of the embedded one')
    .option('--registries <file>', 'registry mirrors, rewrites, credentials and TLS for the embedded runtime (k3s\'s registries.yaml)')
    .option('--cgroup-root <path>', 'cgroup (relative to skiff\'s own) under which pods are placed', 'kubepods')
    .option('--cni-conf-dir <dir>', 'CNI configs the embedded runtime reads (default: <data-dir>/agent/etc/cni/net.d, written from the Node\'s podCIDR)')
    .option('--cni-bin-dir <dirs>', 'CNI plugin directories, colon-separated (skiff\'s own plugins run in-process)', '/opt/cni/bin')
    .option('--kubelet-port <port>', 'port of the kubelet\'s HTTPS server (upstream\'s --port)', flag(parsePort), DEFAULT_KUBELET_PORT);
}

export function registerUp(program: Command): void {
  nodeFlags(program
    .command('up')
    // A bad flag is one line, as every other refusal of `skiff up` (--help shows the flags).
    .showHelpAfterError(false)
    .description('run a single-node cluster: apiserver, node IPAM, kubelet and CRI runtime in one process tree')
    .option('--data-dir <dir>', 'state of the server, runtime and kubelet, and admin.kubeconfig', '/var/lib/skiff')
    .option('--listen <host:port>', 'address the apiserver serves HTTPS on', flag(checkListen), '127.0.0.1:6443')
    .option('--cluster-cidr <cidr>', 'CIDR the Nodes\' pod CIDRs are cut from', flag(parseClusterCidr), DEFAULT_CLUSTER_CIDR)
    .option('--node-cidr-mask-size <n>', 'prefix length of each Node\'s pod CIDR', flag(parseCount), DEFAULT_NODE_CIDR_MASK_SIZE)
    .option('--service-cidr <cidr>', 'CIDR Service ClusterIPs come from', flag(checkServiceCidr), DEFAULT_SERVICE_CIDR)
    .option('--cluster-dns <ip>', 'nameserver of ClusterFirst pods (default: the 10th address of --service-cidr)', flag(parseIp('--cluster-dns'))))
    .action(async (opts: UpOptions) => {
      process.exitCode = await serveUntilSignal('skiff up', () => startUp(opts));
      // The store and the runtime's gRPC can keep handles alive after close: a stopped cluster exits.
      process.exit();
    });
}

/** Starts everything, in order; rejects (with what had started closed again) on the first failure. */
export async function startUp(opts: UpOptions): Promise<Serving> {
  const [{ Rollback }, { startControlPlane }, { realFiles }, { systemClock }, { writeNodeCredentials }, { startNode }, { resolveNodeIp }, { RealNodeInfo }, { RealNetlink }] = await Promise.all([
    import('../rollback.js'), import('./server.js'), import('../host/files/real.js'), import('../host/clock.js'), import('./node-credentials.js'),
    import('./node.js'), import('../kubelet/node/node-ip.js'), import('../host/nodeinfo/real.js'), import('../host/netlink/real.js'),
  ]);
  const progress = (line: string) => process.stderr.write(`skiff up: ${line}\n`);
  checkNodeFlags(opts);
  const clusterDns = opts.clusterDns ?? parseCidr(opts.serviceCidr).ipAt(9);
  // Found before anything starts: a node without a default route and no --node-ip is a clear error, not a half-up cluster.
  const nodeIp = await resolveNodeIp(new RealNodeInfo(new RealNetlink()), opts.nodeIp);
  return Rollback.run((what, err) => progress(`closing ${what}: ${err.message}`), async (rb) => {
    const plane = await startControlPlane({
      dataDir: opts.dataDir, listen: opts.listen, serviceClusterIpRange: opts.serviceCidr, clusterCidr: opts.clusterCidr, nodeCidrMaskSize: opts.nodeCidrMaskSize,
    });
    for (const c of [...plane.closers].reverse()) rb.push(c.name, () => c.close());
    progress(`control plane: ${plane.url}`);
    const agentDir = join(opts.dataDir, 'agent');
    await realFiles.mkdir(agentDir, { recursive: true, mode: 0o700 });
    const creds = await writeNodeCredentials({ agentDir, nodeName: opts.nodeName, server: plane.url, ca: plane.pki.ca, hosts: [nodeIp], files: realFiles, clock: systemClock });
    progress(`node credentials: system:node:${opts.nodeName} in ${creds.kubeconfig}`);
    const node = await startNode({
      nodeName: opts.nodeName, agentDir, kubeconfig: creds.kubeconfig, cgroupRoot: opts.cgroupRoot, clusterDns: [clusterDns], nodeIp,
      cniBinDir: opts.cniBinDir.split(':').filter(Boolean), kubeletListen: `0.0.0.0:${opts.kubeletPort}`, serving: creds.serving, clientCa: creds.clientCa,
      files: realFiles, progress, log: (line) => process.stderr.write(`skiff kubelet: ${line}\n`),
      ...runtimeChoice(opts),
    }, rb);
    process.stdout.write(`export KUBECONFIG=${plane.kubeconfigPath}\n`);
    return { on: `${plane.url}, node ${opts.nodeName}, runtime ${node.criEndpoint}`, closers: [...node.closers, ...plane.closers] };
  });
}

/** What the flags parsers cannot see alone. Throws Error. */
export function checkNodeFlags(opts: Pick<UpOptions, 'nodeName' | 'registries' | 'containerRuntimeEndpoint'>): void {
  parseNodeName(opts.nodeName); // the default (the hostname) has not been through the flag's check
  // As k3s: registries.yaml configures the embedded runtime; another runtime has its own configuration.
  if (opts.registries !== undefined && opts.containerRuntimeEndpoint !== undefined) throw new Error('--registries configures the embedded runtime; with --container-runtime-endpoint, configure that runtime\'s registries instead');
}

/** The runtime part of NodeOptions from the flags. */
export function runtimeChoice(opts: Pick<UpOptions, 'registries' | 'containerRuntimeEndpoint' | 'cniConfDir'>): { containerRuntimeEndpoint?: string; registries?: string; cniConfDir?: string } {
  return {
    ...(opts.containerRuntimeEndpoint !== undefined ? { containerRuntimeEndpoint: opts.containerRuntimeEndpoint } : {}),
    ...(opts.registries !== undefined ? { registries: resolve(opts.registries) } : {}),
    ...(opts.cniConfDir !== undefined ? { cniConfDir: opts.cniConfDir } : {}),
  };
}

function defaultNodeName(): string {
  return hostname().toLowerCase();
}

/** A Node name: a DNS-1123 subdomain, as the apiserver will check it. Throws Error otherwise. */
export function parseNodeName(value: string): string {
  const problems = subdomainProblems(value);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return value;
}

const parseIp = (flagName: string) => (value: string): string => {
  if (!isIP(value)) throw new Error(`${flagName}: "${value}" is not an IP address`);
  return value;
};

function parsePort(value: string): number {
  const n = parseCount(value);
  if (n < 1 || n > 65535) throw new Error(`port ${value} out of range`);
  return n;
}

function checkListen(value: string): string {
  parseListen(value);
  return value;
}

function checkServiceCidr(value: string): string {
  parseCidr(value);
  return value;
}
