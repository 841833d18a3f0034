// The CRI ContainerConfig of one container of a pod (upstream kuberuntime_container.go
// generateContainerConfig and security_context.go): pure, so CreateContainer's input is unit-tested.
import type { Container, Pod } from '../../api/types.js';
import type { ContainerConfig } from '../../cri/gen/runtime/v1/ContainerConfig.js';
import type { Mount } from '../../cri/gen/runtime/v1/Mount.js';
import type { LinuxContainerSecurityContext } from '../../cri/gen/runtime/v1/LinuxContainerSecurityContext.js';
import { containerEnv, expandCommand } from './expand.js';
import { containerAnnotations, containerLabels, containerLogPath } from './labels.js';
import { podNamespaces } from './sandbox-config.js';

// What upstream's kubelet masks and makes read-only for the default procMount; an Unmasked
// procMount sends empty lists. Sent explicitly so every runtime applies the same.
const MASKED_PATHS = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The container's security settings: the pod's, overridden field by field by the container's. */
export function containerSecurity(pod: Pod, c: Container): LinuxContainerSecurityContext {
  const psc = pod.spec?.securityContext;
  const sc = c.securityContext;
  const runAsUser = sc?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? psc?.runAsGroup;
  const unmasked = sc?.procMount === 'Unmasked';
  return {
    capabilities: { addCapabilities: sc?.capabilities?.add ?? [], dropCapabilities: sc?.capabilities?.drop ?? [] },
    privileged: sc?.privileged ?? false,
    readonlyRootfs: sc?.readOnlyRootFilesystem ?? false,
    namespaceOptions: podNamespaces(pod),
    supplementalGroups: [...(psc?.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc?.supplementalGroups ?? [])].map(String),
    // Only an explicit allowPrivilegeEscalation: false sets no_new_privs.
    noNewPrivs: sc?.allowPrivilegeEscalation === false,
    maskedPaths: unmasked ? [] : MASKED_PATHS,
    readonlyPaths: unmasked ? [] : READONLY_PATHS,
    ...(runAsUser !== undefined ? { runAsUser: { value: runAsUser } } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup: { value: runAsGroup } } : {}),
  };
}

/**
 * CreateContainer's config for c. imageRef is what the pull (or ImageStatus) answered, so the
 * container runs exactly the image that was checked; restartCount is its attempt and log file.
 */
export function containerConfig(pod: Pod, c: Container, opts: { imageRef: string; restartCount: number; mounts?: Mount[] }): ContainerConfig {
  const envs = containerEnv(pod, c);
  const { command, args } = expandCommand(c, envs);
  return {
    metadata: { name: c.name, attempt: opts.restartCount },
    image: { image: opts.imageRef, userSpecifiedImage: c.image ?? '' },
    command,
    args,
    workingDir: c.workingDir ?? '',
    mounts: opts.mounts ?? [],
    envs: envs.map(({ name, value }) => ({ key: name, value })),
    labels: containerLabels(pod, c),
    annotations: containerAnnotations(pod, c, opts.restartCount),
    logPath: containerLogPath(c.name, opts.restartCount),
    stdin: c.stdin ?? false,
    stdinOnce: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: { securityContext: containerSecurity(pod, c) },
  };
}
