// What each API-data volume holds, as pure functions of the object read from the apiserver:
// upstream's configmap/secret MakePayload and downwardapi CollectData (pkg/volume/*).
import type { ConfigMap, DownwardAPIVolumeFile, KeyToPath, Pod, Secret } from '../../api/types.js';
import type { FileProjection } from './atomic-writer.js';
import { type Allocatable, podFieldValue, resourceFieldValue } from './downward.js';
import { VolumeError } from './errors.js';

/** The API's default for defaultMode of every API-data volume. */
export const DEFAULT_MODE = 0o644;

export interface FileOwner {
  readonly fsUser?: number;
  readonly fsGroup?: number;
}

export interface KeySource {
  readonly items?: readonly KeyToPath[];
  readonly defaultMode?: number;
  readonly optional?: boolean;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const base64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** A ConfigMap's keys (data and binaryData) as files; undefined cm = an optional one that is missing. */
export function configMapPayload(cm: ConfigMap | undefined, src: KeySource): Map<string, FileProjection> {
  const values = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(cm?.data ?? {})) values.set(k, utf8(v));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) values.set(k, base64(v));
  return keyPayload(values, src, (key) => `configmap references non-existent config key: ${key}`);
}

/** A Secret's keys as files; undefined secret = an optional one that is missing. */
export function secretPayload(secret: Secret | undefined, src: KeySource): Map<string, FileProjection> {
  const values = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(secret?.data ?? {})) values.set(k, base64(v));
  return keyPayload(values, src, (key) => `references non-existent secret key: ${key}`);
}

function keyPayload(values: ReadonlyMap<string, Uint8Array>, src: KeySource, missing: (key: string) => string): Map<string, FileProjection> {
  const mode = src.defaultMode ?? DEFAULT_MODE;
  const out = new Map<string, FileProjection>();
  if (!src.items?.length) {
    for (const [k, data] of values) out.set(k, { data, mode });
    return out;
  }
  for (const item of src.items) {
    const data = values.get(item.key);
    if (data === undefined) {
      if (src.optional) continue;
      throw new VolumeError(missing(item.key));
    }
    out.set(item.path, { data, mode: item.mode ?? mode });
  }
  return out;
}

/** Downward API items: pod metadata fields and container resources. */
export function downwardPayload(pod: Pod, items: readonly DownwardAPIVolumeFile[], defaultMode: number | undefined, allocatable: Allocatable): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  for (const item of items) {
    let value: string;
    if (item.fieldRef) value = podFieldValue(pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef) value = resourceFieldValue(pod, item.resourceFieldRef, allocatable);
    else throw new VolumeError(`downwardAPI item ${item.path} has neither fieldRef nor resourceFieldRef`);
    out.set(item.path, { data: utf8(value), mode: item.mode ?? defaultMode ?? DEFAULT_MODE });
  }
  return out;
}

/** The user all containers run as (volumeutil.FsUserFrom): the token file is theirs; else none. */
export function fsUserOf(pod: Pod): number | undefined {
  const spec = pod.spec;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const users = new Set(containers.map((c) => c.securityContext?.runAsUser ?? spec?.securityContext?.runAsUser));
  if (users.size !== 1) return undefined;
  const [only] = users;
  return only;
}

