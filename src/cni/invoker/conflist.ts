import { join } from 'node:path';
import { isNotFound } from '../../host/errors.js';
import { realFiles } from '../../host/files/real.js';
import type { Files } from '../../host/files/types.js';
import { CniError, ErrorCode, type NetConf, type NetConfList } from '../types.js';
import { isVersion } from '../version.js';

/** A network configuration list as loaded, with the file it came from. */
export interface LoadedList {
  file: string;
  list: NetConfList;
}

/**
 * The config dir as containerd's go-cni reads it: *.conflist, *.conf and *.json in name
 * order; a single-plugin .conf becomes a list of one. Broken files are reported, not fatal.
 */
export async function loadConfDir(dir: string, files: Files = realFiles): Promise<{ lists: LoadedList[]; errors: { file: string; error: CniError }[] }> {
  let names: string[];
  try {
    names = (await files.list(dir)).filter((n) => /\.(conflist|conf|json)$/.test(n)).sort();
  } catch (err) {
    if (isNotFound(err)) return { lists: [], errors: [] };
    throw new CniError(ErrorCode.IoFailure, `cannot read CNI config dir ${dir}`, (err as Error).message);
  }
  const lists: LoadedList[] = [];
  const errors: { file: string; error: CniError }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      lists.push({ file, list: parseConfList(await files.readText(file), name.endsWith('.conflist')) });
    } catch (err) {
      errors.push({ file, error: err instanceof CniError ? err : new CniError(ErrorCode.IoFailure, (err as Error).message) });
    }
  }
  return { lists, errors };
}

/** Parses a conflist (or, when `single`, a one-plugin config) and checks its shape. */
export function parseConfList(text: string, isList = true): NetConfList {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CniError(ErrorCode.DecodingFailure, 'error parsing configuration list', (err as Error).message);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new CniError(ErrorCode.DecodingFailure, 'error parsing configuration list', 'not a JSON object');
  const obj = raw as Record<string, unknown>;
  const list: NetConfList = isList || Array.isArray(obj.plugins)
    ? (obj as unknown as NetConfList)
    : { cniVersion: obj.cniVersion as string, name: obj.name as string, plugins: [obj as NetConf] };
  if (typeof list.name !== 'string' || !list.name) throw new CniError(ErrorCode.InvalidConfig, 'invalid configuration list', 'name is missing');
  if (!isVersion(list.cniVersion) && !Array.isArray(list.cniVersions)) throw new CniError(ErrorCode.InvalidConfig, 'invalid configuration list', `"${list.name}": cniVersion is missing or malformed`);
  if (!Array.isArray(list.plugins) || list.plugins.length === 0) throw new CniError(ErrorCode.InvalidConfig, 'invalid configuration list', `"${list.name}": no plugins`);
  list.plugins.forEach((p, i) => {
    if (!p || typeof p.type !== 'string' || !p.type) throw new CniError(ErrorCode.InvalidConfig, 'invalid configuration list', `"${list.name}": plugins[${i}].type is missing`);
  });
  return list;
}

/**
 * `load` rerun only after the conf dir changed (as containerd watches it), not on every
 * RunPodSandbox. Without a watchable dir (not created yet) every call loads.
 */
export function confDirCache<T>(dir: string, load: () => Promise<T>, files: Files = realFiles): () => Promise<T> {
  let cached: Promise<T> | undefined;
  let watching = false;
  return () => {
    if (!watching) {
      try {
        files.watch(dir, () => { cached = undefined; }, () => { cached = undefined; watching = false; });
        watching = true;
      } catch {
        return load();
      }
    }
    cached ??= load().catch((err: unknown) => { cached = undefined; throw err; });
    return cached;
  };
}
