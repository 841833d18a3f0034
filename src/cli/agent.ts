// `skiff agent --kubeconfig FILE`: `skiff up` minus the control plane — the embedded CRI runtime
// (unless --container-runtime-endpoint) and the kubelet, against any apiserver, ours or
// upstream's. The node's credentials are the kubeconfig's; the kubelet server's certificate is
// --tls-cert-file/--tls-private-key-file as upstream's kubelet takes them, else one it makes for
// itself (upstream self-signs too; an apiserver that verifies kubelet certificates, as skiff's
// does, then refuses logs and exec until a certificate from the cluster CA is given).
import { join } from 'node:path';
import type { Command } from 'commander';
import { checkNodeFlags, nodeFlags, runtimeChoice, type UpOptions } from './up.js';
import { serveUntilSignal, type Serving } from './serve.js';

export interface AgentOptions extends Omit<UpOptions, 'listen' | 'clusterCidr' | 'nodeCidrMaskSize' | 'serviceCidr' | 'clusterDns'> {
  kubeconfig: string;
  clusterDns: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
}

export function registerAgent(program: Command): void {
  nodeFlags(program
    .command('agent')
    .showHelpAfterError(false)
    .description('run a node (kubelet and CRI runtime) against an apiserver, ours or upstream\'s')
    .requiredOption('--kubeconfig <file>', 'the node\'s credentials (system:node:<name>) and the apiserver to join')
    .option('--data-dir <dir>', 'state of the runtime and kubelet (below <dir>/agent)', '/var/lib/skiff')
    .option('--cluster-dns <ip>', 'nameserver of ClusterFirst pods', '10.96.0.10')
    .option('--tls-cert-file <file>', 'the kubelet server\'s certificate (PEM; default: one it makes for itself)')
    .option('--tls-private-key-file <file>', 'its key (PEM)')
    .option('--client-ca-file <file>', 'CA of client certificates the kubelet server accepts (default: the kubeconfig\'s CA)'))
    .action(async (opts: AgentOptions) => {
      process.exitCode = await serveUntilSignal('skiff agent', () => startAgent(opts));
      process.exit();
    });
}

/** Starts the runtime and the kubelet; rejects (with what had started closed again) on the first failure. */
export async function startAgent(opts: AgentOptions): Promise<Serving> {
  const [{ Rollback }, { realFiles }, { startNode }, { resolveNodeIp }, { RealNodeInfo }, { RealNetlink }, { makePki }, { resolve }] = await Promise.all([
    import('../rollback.js'), import('../host/files/real.js'), import('./node.js'), import('../kubelet/node/node-ip.js'),
    import('../host/nodeinfo/real.js'), import('../host/netlink/real.js'), import('../apiserver/pki.js'), import('node:path'),
  ]);
  const progress = (line: string) => process.stderr.write(`skiff agent: ${line}\n`);
  checkNodeFlags(opts);
  if ((opts.tlsCertFile === undefined) !== (opts.tlsPrivateKeyFile === undefined)) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  const nodeIp = await resolveNodeIp(new RealNodeInfo(new RealNetlink()), opts.nodeIp);
  const kubeconfig = resolve(opts.kubeconfig);
  await realFiles.readText(kubeconfig); // unreadable: refused before anything starts
  const serving = opts.tlsCertFile !== undefined && opts.tlsPrivateKeyFile !== undefined
    ? { cert: await realFiles.readText(opts.tlsCertFile), key: await realFiles.readText(opts.tlsPrivateKeyFile) }
    // Signed by a CA made for it and thrown away: self-signed in effect, as upstream's kubelet without a certificate.
    : makePki([opts.nodeName, nodeIp]).serving;
  const clientCa = opts.clientCaFile !== undefined ? await realFiles.readText(opts.clientCaFile) : undefined;
  return Rollback.run((what, err) => progress(`closing ${what}: ${err.message}`), async (rb) => {
    const agentDir = join(opts.dataDir, 'agent');
    await realFiles.mkdir(agentDir, { recursive: true, mode: 0o700 });
    const node = await startNode({
      nodeName: opts.nodeName, agentDir, kubeconfig, cgroupRoot: opts.cgroupRoot, clusterDns: [opts.clusterDns], nodeIp,
      cniBinDir: opts.cniBinDir.split(':').filter(Boolean), kubeletListen: `0.0.0.0:${opts.kubeletPort}`, serving,
      files: realFiles, progress, log: (line) => process.stderr.write(`skiff kubelet: ${line}\n`),
      ...(clientCa !== undefined ? { clientCa } : {}),
      ...runtimeChoice(opts),
    }, rb);
    return { on: `node ${opts.nodeName}, runtime ${node.criEndpoint}`, closers: node.closers };
  });
}
