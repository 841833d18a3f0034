// The key that signs ServiceAccount tokens: made with the PKI on first start and kept in
// DATA_DIR/pki/sa.{key,pub}, so tokens stay valid across restarts.
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { realFiles } from '../../host/files/real.js';
import type { Files } from '../../host/files/types.js';
import type { ServiceAccountKey } from '../auth/index.js';

/** Upstream's usual --service-account-issuer (kubeadm, k3s). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** A fresh RSA 2048 key pair, in memory. Never throws. */
export function makeServiceAccountKey(issuer = DEFAULT_ISSUER): ServiceAccountKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    issuer,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Loads DATA_DIR/pki/sa.{key,pub}, creating them when absent. Rejects with the fs error. */
export async function ensureServiceAccountKey(dataDir: string, issuer = DEFAULT_ISSUER, files: Files = realFiles): Promise<ServiceAccountKey> {
  const dir = join(dataDir, 'pki');
  const keyPath = join(dir, 'sa.key');
  const pubPath = join(dir, 'sa.pub');
  if ((await files.stat(keyPath)) !== undefined && (await files.stat(pubPath)) !== undefined) {
    return { issuer, privateKeyPem: await files.readText(keyPath), publicKeyPem: await files.readText(pubPath) };
  }
  const key = makeServiceAccountKey(issuer);
  await files.mkdir(dir, { recursive: true, mode: 0o700 });
  // The private key goes last: a crash midway leaves it missing and the next start makes a new pair.
  await files.writeAtomic(pubPath, key.publicKeyPem, { mode: 0o644 });
  await files.writeAtomic(keyPath, key.privateKeyPem, { mode: 0o600 });
  return key;
}
