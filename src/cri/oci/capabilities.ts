// Process capabilities the way containerd's CRI plugin computes them: its default set, then
// "ALL" add/drop, then the named adds, then the named drops (so drop wins, and
// add:[NET_ADMIN] drop:[ALL] leaves exactly NET_ADMIN). Ambient and inheritable stay empty:
// what non-root plus capabilities means is undefined in Kubernetes (kubernetes#56374).
import type { Capability__Output } from '../gen/runtime/v1/Capability.js';
import type { Capabilities } from './types.js';

/** Every capability Linux defines, in bit order (capability.h, up to CAP_CHECKPOINT_RESTORE = 40). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

/** containerd's CRI default set (docker's too; containerd#10435 to shrink it was withdrawn). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
].map((c) => `CAP_${c}`);

/** 'net_admin', 'NET_ADMIN' and 'CAP_NET_ADMIN' all name CAP_NET_ADMIN. */
export function capName(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** Names of the bits set in a /proc/<pid>/status Cap* hex mask (e.g. CapBnd): the caller's host facts. */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/**
 * The bounding = effective = permitted set. `all` is what "ALL" and privileged mean (the
 * capabilities the runtime itself holds). Names the kernel list lacks are kept (runc warns
 * and ignores them) and reported in `unknown` so the caller can say so.
 */
export function capabilitySet(requested: Capability__Output | null | undefined, privileged: boolean, all: readonly string[]): { caps: Capabilities; unknown: string[] } {
  let set: string[];
  const unknown: string[] = [];
  if (privileged) set = [...all];
  else {
    set = [...DEFAULT_CAPABILITIES];
    const adds = requested?.addCapabilities ?? [];
    const drops = requested?.dropCapabilities ?? [];
    const isAll = (c: string) => c.trim().toUpperCase() === 'ALL';
    if (adds.some(isAll)) set = [...all];
    if (drops.some(isAll)) set = [];
    for (const c of adds.filter((c) => !isAll(c)).map(capName)) {
      if (!ALL_CAPABILITIES.includes(c)) unknown.push(c);
      if (!set.includes(c)) set.push(c);
    }
    const dropped = new Set(drops.filter((c) => !isAll(c)).map(capName));
    set = set.filter((c) => !dropped.has(c));
  }
  return { caps: { bounding: [...set], effective: [...set], permitted: [...set] }, unknown };
}
