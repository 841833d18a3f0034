// containerSpec(): CreateContainer's config.json for runc as a pure function of the CRI
// request, the image config and the facts the caller gathered (see input.ts). The parts live
// beside it: process.ts, user.ts, capabilities.ts, mounts.ts, resources.ts, seccomp.ts.
import { ALL_CAPABILITIES, capabilitySet } from './capabilities.js';
import { SpecError, type NsRef, type SpecInput } from './input.js';
import { containerMounts } from './mounts.js';
import { processArgs, processCwd, processEnv } from './process.js';
import { cgroupResources, containerDevices, oomScoreAdj, podSysctls, rlimits } from './resources.js';
import { parseLocalhostProfile, requestedProfile, runtimeDefaultProfile } from './seccomp.js';
import { OCI_VERSION, type Namespace, type NamespaceType, type Spec } from './types.js';
import { processUser } from './user.js';

export { SpecError } from './input.js';
export type { DeviceInfo, HostFacts, ImageConfigBody, NsRef, SpecInput } from './input.js';
export type { Spec } from './types.js';

/** containerd's defaults (pkg/oci populateDefaultUnixSpec). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/sys/devices/virtual/powercap', '/proc/scsi',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const CRI = 'io.kubernetes.cri';

function namespace(type: NamespaceType, ref: NsRef, field: string): Namespace[] {
  switch (ref.kind) {
    case 'new': return [{ type }];
    case 'host': return [];
    case 'path':
      if (!ref.path.startsWith('/')) throw new SpecError(field, `namespace path "${ref.path}" must be absolute`);
      return [{ type, path: ref.path }];
  }
}

function checkCgroupsPath(p: string): void {
  if (!p) throw new SpecError('cgroupsPath', 'empty');
  // runc places a relative path under its own cgroup; an absolute one would leave it.
  if (p.startsWith('/')) throw new SpecError('cgroupsPath', `"${p}" is absolute; only paths relative to the runtime's cgroup are allowed`);
  if (p.split('/').includes('..')) throw new SpecError('cgroupsPath', `"${p}" climbs out with ".."`);
}

/**
 * Builds the OCI runtime spec of one container. `warnings` lists what was adjusted to fit
 * the node (clamped OOM score or RLIMIT_NOFILE, skipped sysctls, ignored swap or hugepage
 * limits, unknown capability names) for the caller to log.
 * Throws SpecError{field} for input no spec can honour: a user or group missing from the
 * image, no command, an absolute cgroupsPath, a privileged container in an unprivileged
 * sandbox, a Localhost seccomp profile without its text, unresolved devices, bad mounts,
 * user namespaces (not supported).
 */
export function containerSpec(input: SpecInput): { spec: Spec; warnings: string[] } {
  const warnings: string[] = [];
  const { container: c, sandbox, image, host } = input;
  const sc = c.linux?.securityContext ?? null;
  const res = c.linux?.resources ?? null;
  const privileged = sc?.privileged ?? false;
  checkCgroupsPath(input.cgroupsPath);
  if (!input.rootfs.startsWith('/')) throw new SpecError('rootfs', `"${input.rootfs}" must be absolute`);
  if (privileged && !sandbox.linux?.securityContext?.privileged) throw new SpecError('privileged', 'no privileged container allowed in an unprivileged sandbox');
  const userns = sc?.namespaceOptions?.usernsOptions;
  if (userns && userns.mode !== 'NODE') throw new SpecError('namespaceOptions.usernsOptions', `user namespaces (mode ${userns.mode}) are not supported`);
  // AppArmor and SELinux are accepted and ignored: this node has no LSM to apply them.

  const ns = input.namespaces;
  const hostUts = ns.uts.kind === 'host';
  const hostname = sandbox.hostname || host.hostname || '';

  const { caps, unknown } = capabilitySet(sc?.capabilities, privileged, host.capabilities ?? ALL_CAPABILITIES);
  if (unknown.length) warnings.push(`unknown capabilities requested (runc ignores them): ${unknown.join(', ')}`);

  const { mounts, rootfsPropagation } = containerMounts({
    mounts: c.mounts,
    ...(input.sandboxFiles ? { sandboxFiles: input.sandboxFiles } : {}),
    readonlyRootfs: sc?.readonlyRootfs ?? false,
    privileged,
    hostIpc: ns.ipc.kind === 'host',
  });

  const { devices, rules } = containerDevices(c.devices, input.deviceInfo, privileged, host.devices);
  const adj = oomScoreAdj(res, host, warnings);
  const sysctl = podSysctls(sandbox.linux?.sysctls ?? {}, { hostNetwork: ns.network.kind === 'host', hostIpc: ns.ipc.kind === 'host', hostUts }, warnings);

  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: c.tty,
      user: processUser(sc, image.User, input.etcPasswd, input.etcGroup),
      args: processArgs(c, image),
      env: processEnv(c, image, hostname),
      cwd: processCwd(c, image),
      capabilities: caps,
      rlimits: rlimits(host, warnings),
      noNewPrivileges: sc?.noNewPrivs ?? false,
      ...(adj !== undefined ? { oomScoreAdj: adj } : {}),
    },
    root: { path: input.rootfs, readonly: sc?.readonlyRootfs ?? false },
    ...(!hostUts && hostname ? { hostname } : {}),
    mounts,
    annotations: {
      [`${CRI}.container-type`]: 'container',
      [`${CRI}.sandbox-id`]: input.sandboxId ?? '',
      [`${CRI}.sandbox-namespace`]: sandbox.metadata?.namespace ?? '',
      [`${CRI}.sandbox-uid`]: sandbox.metadata?.uid ?? '',
      [`${CRI}.sandbox-name`]: sandbox.metadata?.name ?? '',
      [`${CRI}.container-name`]: c.metadata?.name ?? '',
      [`${CRI}.image-name`]: c.image?.userSpecifiedImage || c.image?.image || '',
    },
    linux: {
      namespaces: [
        ...namespace('pid', ns.pid, 'namespaces.pid'),
        ...namespace('ipc', ns.ipc, 'namespaces.ipc'),
        ...namespace('uts', ns.uts, 'namespaces.uts'),
        { type: 'mount' },
        ...namespace('network', ns.network, 'namespaces.network'),
        { type: 'cgroup' },
      ],
      ...(devices.length ? { devices } : {}),
      cgroupsPath: input.cgroupsPath,
      resources: { devices: rules, ...cgroupResources(res, host, warnings) },
      ...(sysctl ? { sysctl } : {}),
      ...(rootfsPropagation ? { rootfsPropagation } : {}),
    },
  };

  if (!privileged) {
    spec.linux.maskedPaths = sc?.maskedPaths.length ? [...sc.maskedPaths] : [...DEFAULT_MASKED_PATHS];
    spec.linux.readonlyPaths = sc?.readonlyPaths.length ? [...sc.readonlyPaths] : [...DEFAULT_READONLY_PATHS];
    const profile = requestedProfile(sc);
    if (profile.kind === 'runtimeDefault') spec.linux.seccomp = runtimeDefaultProfile(caps.bounding, host.arch);
    else if (profile.kind === 'localhost') {
      if (input.seccompLocalhost === undefined) throw new SpecError('seccomp', `Localhost profile ${profile.ref} was requested but its text was not provided`);
      spec.linux.seccomp = parseLocalhostProfile(input.seccompLocalhost, profile.ref);
    }
  }
  return { spec, warnings };
}
