// What a node needs to join the cluster `skiff up` runs: a client certificate for
// system:node:<name> in system:nodes (the identity the Node authorizer and NodeRestriction
// know) in a kubeconfig, and a serving certificate for the kubelet's HTTPS server that the
// apiserver verifies against the same CA. Issued from the cluster CA on every start, so a
// changed node name or address never meets a stale certificate.
import { join } from 'node:path';
import { kubeconfigYaml, writeKubeconfig } from '../apiserver/kubeconfig.js';
import { issueClientCertificate, issueServingCertificate, type CertPair } from '../apiserver/pki.js';
import type { Clock } from '../host/clock.js';
import type { Files } from '../host/files/types.js';

export interface NodeCredentialsOptions {
  /** <data-dir>/agent. */
  readonly agentDir: string;
  readonly nodeName: string;
  /** https://host:port the kubelet reaches the apiserver on. */
  readonly server: string;
  readonly ca: CertPair;
  /** Names and addresses the kubelet serves on (the node name, its InternalIP, ...). */
  readonly hosts: readonly string[];
  readonly files: Files;
  readonly clock: Clock;
}

export interface NodeCredentials {
  /** <agentDir>/kubelet.kubeconfig, mode 0600. */
  readonly kubeconfig: string;
  readonly serving: CertPair;
  /** The CA client certificates to the kubelet server must chain to (upstream --client-ca-file). */
  readonly clientCa: string;
}

export const nodeUser = (nodeName: string) => `system:node:${nodeName}`;
export const NODES_GROUP = 'system:nodes';

/** Issues and writes the node's credentials. Rejects with HostError when agentDir cannot be written. */
export async function writeNodeCredentials(opts: NodeCredentialsOptions): Promise<NodeCredentials> {
  const client = issueClientCertificate(opts.ca, nodeUser(opts.nodeName), [NODES_GROUP], opts.clock);
  const serving = issueServingCertificate(opts.ca, opts.nodeName, [...new Set([opts.nodeName, 'localhost', '127.0.0.1', ...opts.hosts])], opts.clock);
  const pki = join(opts.agentDir, 'pki');
  await opts.files.mkdir(pki, { recursive: true, mode: 0o700 });
  // Kept on disk for the operator (curl --cert, openssl) as upstream's /var/lib/kubelet/pki; the kubelet gets them in memory.
  await opts.files.writeAtomic(join(pki, 'kubelet.key'), serving.key, { mode: 0o600 });
  await opts.files.writeAtomic(join(pki, 'kubelet.crt'), serving.cert, { mode: 0o644 });
  const kubeconfig = join(opts.agentDir, 'kubelet.kubeconfig');
  await writeKubeconfig(kubeconfig, kubeconfigYaml(opts.server, opts.ca.cert, client, nodeUser(opts.nodeName)), opts.files);
  return { kubeconfig, serving, clientCa: opts.ca.cert };
}
