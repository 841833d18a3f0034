// The container's mount table: the OCI defaults (what containerd's spec starts from, minus
// /run), the sandbox's files, then the CRI mounts. A CRI mount replaces a default or sandbox
// file at the same destination (and a CRI /dev replaces everything under /dev); the result is
// ordered by depth so a parent is mounted before what is mounted inside it.
import { posix } from 'node:path';
import type { Mount__Output } from '../gen/runtime/v1/Mount.js';
import { SpecError } from './input.js';
import type { Mount } from './types.js';

export function defaultMounts(privileged: boolean): Mount[] {
  // Privileged containers get writable sysfs and cgroupfs (containerd's WithWriteableSysfs/Cgroupfs).
  const sysMode = privileged ? 'rw' : 'ro';
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', sysMode] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', sysMode] },
  ];
}

/** A bind mount request: a CRI Mount or one of the sandbox's files. */
interface Bind {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  recursiveReadOnly: boolean;
  propagation: Mount__Output['propagation'];
}

const clean = (p: string) => posix.normalize(p).replace(/(.)\/+$/, '$1');
const depth = (p: string) => clean(p).split('/').filter(Boolean).length;

/**
 * The mounts of the spec and the rootfs propagation the CRI mounts need ('rshared' for a
 * bidirectional mount, 'rslave' for host-to-container, else undefined = runc's rprivate).
 * Throws SpecError('mounts[i]', ...) for a relative or empty path, an image volume (the
 * caller resolves those to host paths), id-mapped mounts, or recursive read-only without
 * read-only and private propagation.
 */
export function containerMounts(opts: {
  mounts: readonly Mount__Output[];
  sandboxFiles?: { hostname?: string; hosts?: string; resolvConf?: string; shm?: string };
  readonlyRootfs: boolean;
  privileged: boolean;
  hostIpc: boolean;
}): { mounts: Mount[]; rootfsPropagation?: string } {
  const requested: Bind[] = opts.mounts.map((m, i) => {
    const field = `mounts[${i}]`;
    if (m.image && !m.hostPath) throw new SpecError(field, 'image volumes must be resolved to a host path by the caller');
    if (!m.containerPath.startsWith('/')) throw new SpecError(field, `container_path "${m.containerPath}" must be absolute`);
    if (!m.hostPath.startsWith('/')) throw new SpecError(field, `host_path "${m.hostPath}" must be absolute`);
    if (m.uidMappings.length || m.gidMappings.length) throw new SpecError(field, 'id-mapped mounts need user namespaces, which skiff does not support');
    return { containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly, recursiveReadOnly: m.recursiveReadOnly, propagation: m.propagation };
  });
  const taken = new Set(requested.map((m) => clean(m.containerPath)));

  // containerd mounts the sandbox's files read-only when the rootfs is read-only.
  const sandbox: Bind[] = [];
  const f = opts.sandboxFiles ?? {};
  const file = (containerPath: string, hostPath: string | undefined, readonly: boolean) => {
    if (hostPath && !taken.has(containerPath)) sandbox.push({ containerPath, hostPath, readonly, recursiveReadOnly: false, propagation: 'PROPAGATION_PRIVATE' });
  };
  file('/etc/hostname', f.hostname, opts.readonlyRootfs);
  file('/etc/hosts', f.hosts, opts.readonlyRootfs);
  file('/etc/resolv.conf', f.resolvConf, opts.readonlyRootfs);
  // With the host's IPC namespace the host's /dev/shm goes with it (containerd does the same).
  file('/dev/shm', f.shm ?? (opts.hostIpc ? '/dev/shm' : undefined), false);

  const binds = [...sandbox, ...requested];
  const bound = new Set(binds.map((m) => clean(m.containerPath)));
  const defaults = defaultMounts(opts.privileged).filter((m) => !bound.has(m.destination) && !(bound.has('/dev') && m.destination.startsWith('/dev/')));

  let rootfsPropagation: string | undefined;
  const bindMounts = binds.map((m, i): Mount => {
    const field = `mounts[${i - sandbox.length}]`;
    const options = ['rbind'];
    switch (m.propagation) {
      case 'PROPAGATION_BIDIRECTIONAL':
        options.push('rshared');
        rootfsPropagation = 'rshared';
        break;
      case 'PROPAGATION_HOST_TO_CONTAINER':
        options.push('rslave');
        if (rootfsPropagation !== 'rshared') rootfsPropagation = 'rslave';
        break;
      default:
        options.push('rprivate');
    }
    if (m.recursiveReadOnly) {
      if (!m.readonly) throw new SpecError(field, `recursive read-only conflicts with a read-write mount (host_path ${m.hostPath})`);
      if (m.propagation !== 'PROPAGATION_PRIVATE') throw new SpecError(field, `recursive read-only needs private propagation, got ${m.propagation}`);
      options.push('rro');
    } else options.push(m.readonly ? 'ro' : 'rw');
    return { destination: clean(m.containerPath), type: 'bind', source: m.hostPath, options };
  });

  // Stable: among equal depths the defaults keep their order and a later request wins.
  const mounts = [...defaults, ...bindMounts]
    .map((m, i) => ({ m, i, d: depth(m.destination) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map(({ m }) => m);
  return { mounts, ...(rootfsPropagation ? { rootfsPropagation } : {}) };
}
