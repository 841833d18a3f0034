// admin.kubeconfig: what `kubectl --kubeconfig` and client-node read to reach the server as
// the cluster admin, with the certificates inlined so the file is self-contained.
import { stringify } from 'yaml';
import { realFiles } from '../host/files/real.js';
import type { Files } from '../host/files/types.js';
import type { CertPair } from './pki.js';

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

/** The kubeconfig YAML for `server` (https://host:port) with the given CA and client pair. Never throws. */
export function kubeconfigYaml(server: string, caPem: string, client: CertPair, user = 'admin'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'skiff', cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(client.cert), 'client-key-data': b64(client.key) } }],
    contexts: [{ name: 'skiff', context: { cluster: 'skiff', user } }],
    'current-context': 'skiff',
    preferences: {},
  });
}

/** Writes the kubeconfig atomically with mode 0600 (it holds a private key). Rejects with HostError (Files.writeAtomic). */
export function writeKubeconfig(path: string, yaml: string, files: Files = realFiles): Promise<void> {
  return files.writeAtomic(path, yaml, { mode: 0o600 });
}
