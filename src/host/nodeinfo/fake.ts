import { HostError } from '../errors.js';
import type { FsStats, MachineFacts, NodeInfo } from './types.js';

const GiB = 1024 ** 3;

/** A machine whose facts a test sets directly; filesystems are known by their mount point. */
export class FakeNodeInfo implements NodeInfo {
  facts: MachineFacts = {
    kernelVersion: '6.1.0-test-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64',
    machineID: '0123456789abcdef0123456789abcdef', systemUUID: '', bootID: '6c7ee3c4-4f1a-4b0e-9d62-3a4d7b1f2e10', cpus: 2, memoryBytes: 4 * GiB,
  };
  /** Mount point → stats; a path belongs to the longest mount point it is under. */
  readonly mounts = new Map<string, FsStats>([['/', { capacityBytes: 100 * GiB, availableBytes: 60 * GiB, inodes: 6_000_000, inodesFree: 5_000_000 }]]);
  workingSetBytes = 1 * GiB;
  defaultRoute: string[] = ['192.0.2.10'];
  /** Paths that exist, for filesystem()'s ENOENT; every path when undefined. */
  existing: Set<string> | undefined;

  async machine(): Promise<MachineFacts> {
    return { ...this.facts };
  }

  async filesystem(path: string): Promise<FsStats> {
    if (this.existing && !this.existing.has(path)) throw new HostError('ENOENT', `statfs ${path}: No such file or directory`, 'statfs');
    const mount = [...this.mounts.keys()].filter((m) => path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`)).sort((a, b) => b.length - a.length)[0];
    if (mount === undefined) throw new HostError('ENOENT', `statfs ${path}: No such file or directory`, 'statfs');
    return { ...this.mounts.get(mount)! };
  }

  async memoryWorkingSetBytes(): Promise<number> {
    return this.workingSetBytes;
  }

  async defaultRouteIPv4(): Promise<string[]> {
    return [...this.defaultRoute];
  }
}
