import { readFile, statfs } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { toHostError } from '../errors.js';
import type { Netlink } from '../netlink/types.js';
import { goArch, parseMeminfo, prettyName, statField } from './parse.js';
import type { FsStats, MachineFacts, NodeInfo } from './types.js';

const V1_MEMORY = '/sys/fs/cgroup/memory';

/** The facts of this machine, read from /proc, /etc, /sys and statfs; the route through netlink. */
export class RealNodeInfo implements NodeInfo {
  #machine: Promise<MachineFacts> | undefined;

  constructor(private readonly netlink: Netlink) {}

  /** Read once, as upstream's kubelet takes its MachineInfo at start: none of it changes while the machine is up. A failed read is tried again next time. */
  machine(): Promise<MachineFacts> {
    this.#machine ??= this.readMachine().catch((err: unknown) => {
      this.#machine = undefined;
      throw err;
    });
    return this.#machine;
  }

  private async readMachine(): Promise<MachineFacts> {
    const meminfo = parseMeminfo(await host(readFile('/proc/meminfo', 'utf8')));
    const osRelease = (await optional('/etc/os-release')) || (await optional('/usr/lib/os-release'));
    return {
      kernelVersion: release(),
      osImage: prettyName(osRelease) ?? 'Linux',
      operatingSystem: process.platform,
      architecture: goArch(process.arch),
      machineID: (await optional('/etc/machine-id')) || (await optional('/var/lib/dbus/machine-id')),
      systemUUID: await optional('/sys/class/dmi/id/product_uuid'),
      bootID: await host(readFile('/proc/sys/kernel/random/boot_id', 'utf8')).then((s) => s.trim()),
      cpus: cpus().length,
      memoryBytes: meminfo.get('MemTotal') ?? 0,
    };
  }

  async filesystem(path: string): Promise<FsStats> {
    const s = await host(statfs(path));
    return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize, inodes: s.files, inodesFree: s.ffree };
  }

  async memoryWorkingSetBytes(): Promise<number> {
    // cgroup v1: the root memory cgroup counts the whole machine (what cadvisor reads for "/").
    const usage = await optional(`${V1_MEMORY}/memory.usage_in_bytes`);
    if (/^\d+$/.test(usage)) {
      const inactive = statField(await optional(`${V1_MEMORY}/memory.stat`), 'total_inactive_file') ?? 0;
      return Math.max(0, Number(usage) - inactive);
    }
    // cgroup v2 has no memory.current at the root: runc's libcontainer counts the root from
    // /proc/meminfo as MemTotal - MemFree, minus the inactive file pages.
    const m = parseMeminfo(await host(readFile('/proc/meminfo', 'utf8')));
    return Math.max(0, (m.get('MemTotal') ?? 0) - (m.get('MemFree') ?? 0) - (m.get('Inactive(file)') ?? 0));
  }

  async defaultRouteIPv4(): Promise<string[]> {
    const routes = (await this.netlink.routes(undefined, { family: 4 })).filter((r) => r.dst === 'default' && r.dev);
    const route = routes.sort((a, b) => a.metric - b.metric)[0];
    if (!route) return [];
    const addrs = await this.netlink.addrs(undefined, 4);
    return addrs.filter((a) => a.dev === route.dev && a.scope === 'universe').map((a) => a.cidr.split('/')[0]!);
  }
}

/** A file's trimmed text, '' when it cannot be read (facts some machines lack). */
async function optional(path: string): Promise<string> {
  return readFile(path, 'utf8').then((s) => s.trim(), () => '');
}

async function host<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw toHostError(err);
  }
}
