// The key that signs ServiceAccount tokens: made with the PKI on first start and kept in
// DATA_DIR/pki/sa.{key,pub}, so tokens stay valid across restarts.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
export async function ensureServiceAccountKey(dataDir: string, issuer = DEFAULT_ISSUER): Promise<ServiceAccountKey> {
  const dir = join(dataDir, 'pki');
  const keyPath = join(dir, 'sa.key');
  const pubPath = join(dir, 'sa.pub');
  if (existsSync(keyPath) && existsSync(pubPath)) {
    return { issuer, privateKeyPem: await readFile(keyPath, 'utf8'), publicKeyPem: await readFile(pubPath, 'utf8') };
  }
  const key = makeServiceAccountKey(issuer);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The private key goes last: a crash midway leaves it missing and the next start makes a new pair.
  await writeAtomic(pubPath, key.publicKeyPem, 0o644);
  await writeAtomic(keyPath, key.privateKeyPem, 0o600);
  return key;
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  await writeFile(`${path}.tmp`, data, { mode });
  await rename(`${path}.tmp`, path);
}
