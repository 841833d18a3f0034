import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../host/files/atomic.js';
import type { Result } from '../types.js';

/** What is remembered of one attachment (libcni's cniCacheV1 record, same fields). */
export interface CacheEntry {
  kind: 'cniCacheV1';
  containerId: string;
  ifName: string;
  networkName: string;
  netns?: string;
  /** The conflist as used, base64 of its JSON, so a DEL after a config change uses the old one. */
  config: string;
  cniArgs?: [string, string][];
  capabilityArgs?: Record<string, unknown>;
  result?: Result;
}

/**
 * Results of ADDs on disk, one file per (network, container, ifname), in libcni's layout
 * (<dir>/results/<network>-<container>-<ifname>). Written through writeFileAtomic (a hidden
 * temp file per write, fsync, rename), so a crash never leaves a half-written entry.
 */
export class ResultCache {
  constructor(private readonly dir: string) {}

  private file(network: string, containerId: string, ifname: string): string {
    return join(this.dir, 'results', `${network}-${containerId}-${ifname}`);
  }

  async put(entry: CacheEntry): Promise<void> {
    const file = this.file(entry.networkName, entry.containerId, entry.ifName);
    const body = JSON.stringify(entry);
    // The directory is made when a write finds it missing, not checked before every write:
    // one file operation fewer per network on each ADD, and one removed behind our back comes back.
    await writeFileAtomic(file, body, 0o600).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await mkdir(join(this.dir, 'results'), { recursive: true });
      await writeFileAtomic(file, body, 0o600);
    });
  }

  /** The entry, or undefined when absent or unreadable (a DEL must still go ahead). */
  async get(network: string, containerId: string, ifname: string): Promise<CacheEntry | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.file(network, containerId, ifname), 'utf8')) as CacheEntry;
      return entry.kind === 'cniCacheV1' ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  async remove(network: string, containerId: string, ifname: string): Promise<void> {
    await rm(this.file(network, containerId, ifname), { force: true });
  }

  /** Every cached attachment of a network. */
  async list(network: string): Promise<CacheEntry[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, 'results'));
    } catch {
      return [];
    }
    const entries = await Promise.all(names.filter((n) => n.startsWith(`${network}-`) && !n.includes('.tmp-')).map(async (n) => {
      try {
        return JSON.parse(await readFile(join(this.dir, 'results', n), 'utf8')) as CacheEntry;
      } catch {
        return undefined;
      }
    }));
    return entries.filter((e): e is CacheEntry => e?.kind === 'cniCacheV1' && e.networkName === network);
  }
}
