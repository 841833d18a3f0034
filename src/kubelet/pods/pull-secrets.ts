// Registry credentials from a pod's imagePullSecrets, matched to an image as upstream's
// credentialprovider keyring does: kubernetes.io/dockerconfigjson ({"auths": {...}}) and
// kubernetes.io/dockercfg secrets; a key matches on its host (a `*` stands for one dot-separated
// label), the same port (or none on both sides), and as a path prefix; longer keys are tried first.
import type { Secret } from '../../api/types.js';
import type { AuthConfig } from '../../cri/gen/runtime/v1/AuthConfig.js';
import { parseReference } from '../../cri/images/reference.js';
import { isObject } from '../../api/types.js';
import { ownValue } from '../../own-keys.js';

interface Entry {
  key: string;
  auth: AuthConfig;
}

/** The hub's legacy keys all mean docker.io, as upstream's keyring normalizes them. */
const HUB_KEYS = new Set(['index.docker.io', 'index.docker.io/v1', 'registry-1.docker.io', 'docker.io']);

function entriesOf(secret: Secret): Entry[] {
  const data = secret.data ?? {};
  const json = secret.type === 'kubernetes.io/dockercfg' ? ownValue(data, '.dockercfg') : ownValue(data, '.dockerconfigjson');
  if (!json) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(json, 'base64').toString('utf8'));
  } catch {
    return [];
  }
  const auths = secret.type === 'kubernetes.io/dockercfg' ? parsed : isObject(parsed) ? parsed.auths : undefined;
  if (!isObject(auths)) return [];
  const out: Entry[] = [];
  for (const [key, v] of Object.entries(auths)) {
    if (!isObject(v)) continue;
    let username = typeof v.username === 'string' ? v.username : '';
    let password = typeof v.password === 'string' ? v.password : '';
    if (typeof v.auth === 'string' && v.auth) {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    }
    const host = key.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    out.push({ key: HUB_KEYS.has(host) ? 'docker.io' : host, auth: { username, password, serverAddress: key } });
  }
  return out;
}

/** Whether key (host[:port][/path]) covers registry/repository. */
function matches(key: string, registry: string, repository: string): boolean {
  const slash = key.indexOf('/');
  const keyHost = slash < 0 ? key : key.slice(0, slash);
  const keyPath = slash < 0 ? '' : key.slice(slash + 1);
  const [kh, kp] = keyHost.split(':');
  const [rh, rp] = registry.split(':');
  // Ports must be equal, also when only one side names one (upstream URLsMatch).
  if (kp !== rp) return false;
  const kLabels = (kh ?? '').split('.');
  const rLabels = (rh ?? '').split('.');
  if (kLabels.length !== rLabels.length || !kLabels.every((l, i) => l === '*' || l === rLabels[i])) return false;
  return keyPath === '' || repository === keyPath || repository.startsWith(`${keyPath}/`);
}

/** The credentials to try for image, most specific first; empty when none match (pull anonymously). */
export function registryAuths(secrets: readonly Secret[], image: string): AuthConfig[] {
  let ref;
  try {
    ref = parseReference(image);
  } catch {
    return [];
  }
  const found = secrets.flatMap(entriesOf).filter((e) => matches(e.key, ref.registry, ref.repository));
  return found.sort((a, b) => b.key.length - a.key.length).map((e) => e.auth);
}
