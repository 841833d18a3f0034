// Records as an older skiff wrote them, read into today's shape, so a restart after an
// upgrade still recovers every pod and container. Converted on read only: the record is
// written in the new shape the next time it changes.
//   sandbox: 11 flat fields (dir, netns, ipc, uts, hostsFile, resolvConf, hostnameFile, shm,
//            ip, additionalIps, and the hostname in its config) → `resources`
//   container: no stopSignal (asked of the image at stop, as containerd does for such
//            records) and no sharedPidNamespace (decided from the requested pid mode)
import { containerPidMode } from '../lifecycle/spec-input.js';
import { dirname } from 'node:path';
import { isObject, type JsonObject } from '../../api/types.js';
import { plannedResources } from '../sandbox/setup.js';
import type { SandboxResources } from '../sandbox/setup.js';
import type { ContainerRecord, SandboxRecord } from './records.js';

function recordObject(raw: unknown, kind: string): JsonObject {
  if (!isObject(raw) || typeof raw.id !== 'string' || !isObject(raw.config)) throw new Error(`not a ${kind} record`);
  return raw;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function sandboxFromDisk(raw: unknown): SandboxRecord {
  const o = recordObject(raw, 'sandbox');
  if (isObject(o.resources)) return o as unknown as SandboxRecord;
  const old = o as unknown as SandboxRecord & Partial<Record<'dir' | 'netns' | 'ipc' | 'uts' | 'hostsFile' | 'resolvConf' | 'hostnameFile' | 'shm' | 'ip', string>> & { additionalIps?: string[] };
  const dir = old.dir ?? '';
  // Interrupted while being made: its flat fields were never filled in, so the cleanup needs
  // the places setupSandbox would have used, as the old recovery computed them.
  const resources: SandboxResources = old.phase === 'creating'
    ? plannedResources(dirname(dir), old.id, old.config)
    : {
      dir, hostname: old.config.hostname, hostnameFile: old.hostnameFile ?? '', hostsFile: old.hostsFile ?? '', resolvConf: old.resolvConf ?? '',
      additionalIps: old.additionalIps ?? [],
      ...optional({ netns: old.netns, ipc: old.ipc, uts: old.uts, shm: old.shm, ip: old.ip }),
    };
  const { id, phase, state, config, createdAt, runtimeHandler, cgroup, pidHolder } = old;
  return { id, phase, state, config, createdAt, runtimeHandler, resources, cgroup, ...(pidHolder ? { pidHolder } : {}) };
}

export function containerFromDisk(raw: unknown): ContainerRecord {
  const o = recordObject(raw, 'container');
  const old = o as unknown as Omit<ContainerRecord, 'stopSignal' | 'sharedPidNamespace'> & Partial<ContainerRecord>;
  return { ...old, stopSignal: str(old.stopSignal) ?? '', sharedPidNamespace: old.sharedPidNamespace ?? containerPidMode(old.config) !== 'CONTAINER' };
}

/** The fields that are set, without the absent ones (records are compared and written as JSON). */
function optional<T extends Record<string, string | undefined>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
