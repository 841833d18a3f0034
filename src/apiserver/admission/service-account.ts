// ServiceAccount (upstream plugin/pkg/admission/serviceaccount): a new pod runs as a service
// account that exists (`default` when it names none; 403 otherwise), gets that account's
// imagePullSecrets when it has none, and, unless the pod or the account opts out with
// automountServiceAccountToken: false, the `kube-api-access-xxxxx` projected volume (a bound
// token, the cluster CA from kube-root-ca.crt, the namespace) mounted read-only in every
// container at /var/run/secrets/kubernetes.io/serviceaccount. Mirror pods (a kubelet's static
// pods) may reference neither service accounts nor secrets, as upstream.
import { randomInt } from 'node:crypto';
import { findResource } from '../../api/resources.js';
import { isObject, type JsonObject } from '../../api/types.js';
import { section, stringOf } from '../storage/fields.js';
import { generatedName } from '../storage/meta.js';
import { admissionForbidden } from './forbidden.js';
import type { AdmissionAttributes, AdmissionPlugin, Obj, ObjectReader } from './types.js';

const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const VOLUME_PREFIX = 'kube-api-access-';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** Upstream's WarnOnlyBoundTokenExpirationSeconds: an hour and 7 s, so stale tokens are told apart. */
const TOKEN_EXPIRATION_SECONDS = 3607;

/** The projected volume upstream's TokenVolumeSource describes. */
export function tokenVolumeSource(): JsonObject {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** Adds the token volume and its mount where no container already mounts that path. */
function mountToken(spec: JsonObject): void {
  const volumes = list(spec.volumes);
  const names = new Set(volumes.map((v) => stringOf(v.name)));
  const existing = volumes.find((v) => stringOf(v.name)?.startsWith(VOLUME_PREFIX));
  let name = stringOf(existing?.name);
  while (!name || (!existing && names.has(name))) name = generatedName(VOLUME_PREFIX);
  let needed = false;
  for (const field of ['initContainers', 'containers'] as const) {
    for (const c of list(spec[field])) {
      const mounts = list(c.volumeMounts);
      if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
      needed = true;
    }
  }
  if (needed && !existing) spec.volumes = [...volumes, { name, projected: tokenVolumeSource() }];
}

/** Whether anything in the pod names a Secret (upstream podutil.VisitPodSecretNames, all containers). */
function referencesSecrets(spec: JsonObject): boolean {
  if (list(spec.imagePullSecrets).length) return true;
  const containers = [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
  for (const c of containers) {
    if (list(c.envFrom).some((e) => isObject(e.secretRef))) return true;
    if (list(c.env).some((e) => isObject(section(e.valueFrom).secretKeyRef))) return true;
  }
  return list(spec.volumes).some((v) => isObject(v.secret) || list(section(v.projected).sources).some((p) => isObject(p.secret))
    || [v.azureFile, v.cephfs, v.cinder, v.flexVolume, v.rbd, v.scaleIO, v.iscsi, v.storageos, v.csi].some((src) => isObject(section(src).secretRef) || typeof section(src).secretName === 'string'));
}

function mirrorPodRefusal(spec: JsonObject): string | undefined {
  if (stringOf(spec.serviceAccountName)) return 'a mirror pod may not reference service accounts';
  if (referencesSecrets(spec)) return 'a mirror pod may not reference secrets';
  const token = list(spec.volumes).some((v) => list(section(v.projected).sources).some((p) => isObject(p.serviceAccountToken)));
  return token ? 'a mirror pod may not use ServiceAccountToken volume projections' : undefined;
}

const isPodCreate = (a: AdmissionAttributes) => a.operation === 'CREATE' && a.group === '' && a.resource === 'pods' && !a.subresource;
const isMirror = (a: AdmissionAttributes) => !!a.object?.metadata?.annotations?.[MIRROR_ANNOTATION];

/** How long to wait for a namespace's `default` account, which a controller makes just after the namespace. */
export interface DefaultAccountWait {
  /** Lookups before giving up (upstream: 10 for `default`, 1 for any other). */
  attempts: number;
  /** Pause between them (upstream: 100–200 ms, picked once). */
  intervalMs: number;
}

const upstreamWait = (): DefaultAccountWait => ({ attempts: 10, intervalMs: 100 + randomInt(100) });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function serviceAccount(read: ObjectReader, wait: () => DefaultAccountWait = upstreamWait): AdmissionPlugin {
  /** The account, or undefined; `default` is looked up again a few times, as upstream's getServiceAccount does. */
  async function lookup(namespace: string, name: string): Promise<Obj | undefined> {
    const { attempts, intervalMs } = name === 'default' ? wait() : { attempts: 1, intervalMs: 0 };
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await pause(intervalMs);
      const account = await read.get(SERVICE_ACCOUNTS, namespace, name);
      if (account) return account;
    }
    return undefined;
  }

  return {
    name: 'ServiceAccount',
    async admit(a) {
      if (!isPodCreate(a) || isMirror(a) || !isObject(a.object?.spec)) return;
      const spec = a.object.spec;
      // The deprecated `serviceAccount` is read when the current field is empty, as v1 conversion does.
      const name = stringOf(spec.serviceAccountName) || stringOf(spec.serviceAccount) || 'default';
      spec.serviceAccountName = name;
      spec.serviceAccount = name;
      const account = await lookup(a.namespace, name);
      if (!account) throw admissionForbidden(a, `error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`);
      const automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : account.automountServiceAccountToken !== false;
      if (automount) mountToken(spec);
      if (list(spec.imagePullSecrets).length === 0 && list(account.imagePullSecrets).length > 0) {
        spec.imagePullSecrets = list(account.imagePullSecrets).map((s) => ({ name: stringOf(s.name) ?? '' }));
      }
    },
    validate(a) {
      if (!isPodCreate(a) || !isObject(a.object?.spec)) return;
      if (isMirror(a)) {
        const why = mirrorPodRefusal(a.object.spec);
        if (why) throw admissionForbidden(a, why);
        return;
      }
      if (!stringOf(a.object.spec.serviceAccountName)) throw admissionForbidden(a, `no service account specified for pod ${a.namespace}/${a.name}`);
    },
  };
}
