// One volume of a pod made on the node, by type. API-data volumes (configMap, secret,
// downwardAPI, projected) sit on an emptyDir as upstream wraps them — secret, downwardAPI and
// projected on tmpfs so their contents never reach the disk — and are written atomically.
import type { Pod, ResourceFieldSelector, Volume, VolumeProjection } from '../../api/types.js';
import { parseQuantity } from '../../api/validation/field.js';
import type { Client } from '../../client/client.js';
import type { Clock } from '../../host/clock.js';
import type { Files } from '../../host/files/types.js';
import type { Mounter } from '../../host/mount/types.js';
import { ownValue } from '../../own-keys.js';
import { type FileProjection, type Payload, writeAtomicDir } from './atomic-writer.js';
import { type Allocatable, needsAllocatable } from './downward.js';
import { VolumeError } from './errors.js';
import { setUpHostPath } from './host-path.js';
import { type PluginKind, volumeDir } from './layout.js';
import { setVolumeOwnership } from './ownership.js';
import { configMapPayload, DEFAULT_MODE, downwardPayload, fsUserOf, secretPayload } from './payloads.js';
import { readAllocatable, readConfigMap, readSecret } from './sources.js';
import type { TokenManager } from './tokens.js';

export interface PluginContext {
  readonly files: Files;
  readonly mounter: Mounter;
  readonly clock: Clock;
  readonly client: Client;
  readonly tokens: TokenManager;
  readonly rootDir: string;
  readonly nodeName: string;
}

/** Makes (or refreshes) one volume; resolves with the host path to bind. Rejects with
 *  VolumeError (the plugin's reason) or HostError. */
export async function setUpVolume(ctx: PluginContext, pod: Pod, vol: Volume): Promise<string> {
  const uid = pod.metadata.uid ?? '';
  const dirOf = (kind: PluginKind) => volumeDir(ctx.rootDir, uid, kind, vol.name);
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  if (vol.hostPath) return setUpHostPath(ctx.files, vol.hostPath);
  if (vol.emptyDir) {
    const medium = vol.emptyDir.medium ?? '';
    if (medium !== '' && medium !== 'Memory') throw new VolumeError(`emptyDir medium ${medium} is not supported`);
    const dir = dirOf('emptyDir');
    await emptyDir(ctx, dir, medium === 'Memory' ? { size: memorySize(pod, vol.emptyDir.sizeLimit) } : undefined, fsGroup);
    return dir;
  }
  const ns = pod.metadata.namespace ?? 'default';
  if (vol.configMap) {
    const src = vol.configMap;
    const cm = await readConfigMap(ctx.client, ns, src.name ?? '', !!src.optional);
    return apiData(ctx, dirOf('configMap'), false, configMapPayload(cm, src), fsGroup);
  }
  if (vol.secret) {
    const src = vol.secret;
    const secret = await readSecret(ctx.client, ns, src.secretName ?? '', !!src.optional);
    return apiData(ctx, dirOf('secret'), true, secretPayload(secret, src), fsGroup);
  }
  if (vol.downwardAPI) {
    const items = vol.downwardAPI.items ?? [];
    const allocatable = await allocatableFor(ctx, pod, items.map((i) => i.resourceFieldRef));
    return apiData(ctx, dirOf('downwardAPI'), true, downwardPayload(pod, items, vol.downwardAPI.defaultMode, allocatable), fsGroup);
  }
  if (vol.projected) {
    const payload = await projectedPayload(ctx, pod, vol.projected.sources ?? [], vol.projected.defaultMode ?? DEFAULT_MODE);
    return apiData(ctx, dirOf('projected'), true, payload, fsGroup);
  }
  throw new VolumeError(`volume type of "${vol.name}" is not supported by skiff's kubelet (emptyDir, hostPath, configMap, secret, downwardAPI and projected are)`);
}

/** emptyDir's directory, world-writable as upstream makes it; tmpfs for medium Memory. fsGroup
 *  ownership is applied once, when the volume is first made (as upstream's setup marker). */
async function emptyDir(ctx: PluginContext, dir: string, tmpfs: { size?: number } | undefined, fsGroup: number | undefined): Promise<void> {
  const fresh = !(await ctx.files.lstat(dir));
  await ctx.files.mkdir(dir, { recursive: true, mode: 0o777 });
  if (tmpfs) {
    // The tmpfs root keeps its own 1777, as on upstream nodes.
    // No nodev/nosuid: upstream mounts it plain, and what the runtime binds decides the flags.
    if (!(await mounted(ctx.mounter, dir))) await ctx.mounter.tmpfs(dir, tmpfs.size ? { size: tmpfs.size } : {});
  } else if (fresh) {
    await ctx.files.chmod(dir, 0o777);
  }
  if (fresh && fsGroup !== undefined) await setVolumeOwnership(ctx.files, dir, fsGroup, false);
}

async function apiData(ctx: PluginContext, dir: string, onTmpfs: boolean, payload: Payload, fsGroup: number | undefined): Promise<string> {
  await emptyDir(ctx, dir, onTmpfs ? {} : undefined, undefined);
  const setPerms = fsGroup === undefined ? undefined : () => setVolumeOwnership(ctx.files, dir, fsGroup, true);
  await writeAtomicDir(ctx, dir, payload, setPerms);
  return dir;
}

async function mounted(mounter: Mounter, dir: string): Promise<boolean> {
  return (await mounter.list(dir)).some((m) => m.target === dir);
}

/** tmpfs size of a Memory emptyDir: the smaller of sizeLimit and the pod's memory limit (when
 *  every container has one), as SizeMemoryBackedVolumes; none = the kernel's default. */
export function memorySize(pod: Pod, sizeLimit: string | undefined): number | undefined {
  const sizes: number[] = [];
  const limit = sizeLimit === undefined ? undefined : parseQuantity(sizeLimit);
  if (limit !== undefined && limit > 0) sizes.push(limit);
  const containers = pod.spec?.containers ?? [];
  const limits = containers.map((c) => { const q = c.resources?.limits ? ownValue(c.resources.limits, 'memory') : undefined; return q === undefined ? undefined : parseQuantity(q); });
  if (containers.length && limits.every((l) => l !== undefined && l > 0)) sizes.push(limits.reduce<number>((a, b) => a + (b ?? 0), 0));
  return sizes.length ? Math.ceil(Math.min(...sizes)) : undefined;
}

async function allocatableFor(ctx: PluginContext, pod: Pod, refs: readonly (ResourceFieldSelector | undefined)[]): Promise<Allocatable> {
  if (!refs.some((r) => r && needsAllocatable(pod, r))) return new Map();
  return readAllocatable(ctx.client, ctx.nodeName);
}

/** All sources into one payload; every failing source is reported (an aggregate as upstream's). */
async function projectedPayload(ctx: PluginContext, pod: Pod, sources: readonly VolumeProjection[], defaultMode: number): Promise<Payload> {
  const ns = pod.metadata.namespace ?? 'default';
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const fsUser = fsUserOf(pod);
  const out = new Map<string, FileProjection>();
  const errors: string[] = [];
  for (const s of sources) {
    try {
      let part: Map<string, FileProjection>;
      if (s.configMap) {
        const cm = await readConfigMap(ctx.client, ns, s.configMap.name ?? '', !!s.configMap.optional);
        part = configMapPayload(cm, { ...s.configMap, defaultMode });
      } else if (s.secret) {
        const secret = await readSecret(ctx.client, ns, s.secret.name ?? '', !!s.secret.optional);
        part = secretPayload(secret, { ...s.secret, defaultMode });
      } else if (s.downwardAPI) {
        const items = s.downwardAPI.items ?? [];
        part = downwardPayload(pod, items, defaultMode, await allocatableFor(ctx, pod, items.map((i) => i.resourceFieldRef)));
      } else if (s.serviceAccountToken) {
        const tp = s.serviceAccountToken;
        const token = await ctx.tokens.token(pod, { ...(tp.audience ? { audience: tp.audience } : {}), ...(tp.expirationSeconds ? { expirationSeconds: tp.expirationSeconds } : {}) });
        // With fsGroup or a single run-as user the token is theirs alone (0600; fsGroup then adds g+r).
        const mode = fsUser !== undefined || fsGroup !== undefined ? 0o600 : defaultMode;
        part = new Map([[tp.path, { data: new TextEncoder().encode(token), mode, ...(fsUser !== undefined ? { fsUser } : {}), ...(fsGroup !== undefined ? { fsGroup } : {}) }]]);
      } else {
        throw new VolumeError('projected source type is not supported by skiff\'s kubelet (configMap, secret, downwardAPI and serviceAccountToken are)');
      }
      for (const [k, v] of part) out.set(k, v);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length === 1) throw new VolumeError(errors[0]!);
  if (errors.length > 1) throw new VolumeError(`[${errors.join(', ')}]`);
  return out;
}
