// The CRI PodSandboxConfig of a pod (upstream kuberuntime_sandbox.go generatePodSandboxConfig):
// a pure function of the pod and the node's settings, so what RunPodSandbox gets is unit-tested.
import { join } from 'node:path';
import type { Pod } from '../../api/types.js';
import type { NamespaceOption } from '../../cri/gen/runtime/v1/NamespaceOption.js';
import type { PodSandboxConfig } from '../../cri/gen/runtime/v1/PodSandboxConfig.js';
import type { PortMapping } from '../../cri/gen/runtime/v1/PortMapping.js';
import { setOwn } from '../../own-keys.js';
import { podDnsConfig, type ResolvConf } from './dns.js';
import { podLogDirName, sandboxLabels } from './labels.js';

export interface SandboxContext {
  /** Where the pods' log directories are made (podLogsDir of the root dir). */
  podLogsDir: string;
  clusterDns: readonly string[];
  clusterDomain: string;
  hostResolv: ResolvConf;
  /** cgroup parent of pods (relative to the runtime's cgroup); each pod gets pod<uid> below it. */
  cgroupRoot: string;
}

/** Upstream's limit on a hostname (a DNS label); longer pod names are cut, as the kubelet does. */
const HOSTNAME_MAX = 63;

/** The pod's hostname: spec.hostname or its name, cut to a DNS label without a trailing '-' or '.'. */
export function podHostname(pod: Pod): string {
  const name = pod.spec?.hostname || pod.metadata.name || '';
  return name.length <= HOSTNAME_MAX ? name : name.slice(0, HOSTNAME_MAX).replace(/[-.]+$/, '');
}

/** Which namespaces the pod shares with the node or across its containers (upstream NamespacesForPod). */
export function podNamespaces(pod: Pod): NamespaceOption {
  const spec = pod.spec;
  return {
    network: spec?.hostNetwork ? 'NODE' : 'POD',
    ipc: spec?.hostIPC ? 'NODE' : 'POD',
    pid: spec?.hostPID ? 'NODE' : spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
  };
}

/**
 * One mapping per container port, as upstream sends them (MakePortMappings): runtimes map only
 * those with a hostPort, and crictl inspectp shows them all.
 */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      out.push({ containerPort: p.containerPort, hostPort: p.hostPort ?? 0, protocol: p.protocol ?? 'TCP', ...(p.hostIP ? { hostIp: p.hostIP } : {}) });
    }
  }
  return out;
}

/** The pod's log directory: `<podLogsDir>/<ns>_<name>_<uid>`. */
export const podLogDir = (podLogsDir: string, pod: Pod): string => join(podLogsDir, podLogDirName(pod));

/** The cgroup of the pod: `<cgroupRoot>/pod<uid>`, as upstream's cgroupfs layout names it. */
export const podCgroup = (cgroupRoot: string, pod: Pod): string => `${cgroupRoot.replace(/\/+$/, '')}/pod${pod.metadata.uid ?? ''}`;

export function sandboxConfig(pod: Pod, attempt: number, ctx: SandboxContext): PodSandboxConfig {
  const spec = pod.spec;
  const sc = spec?.securityContext;
  const dns = podDnsConfig(pod, { clusterDns: ctx.clusterDns, clusterDomain: ctx.clusterDomain, host: ctx.hostResolv });
  const sysctls: Record<string, string> = {};
  for (const s of sc?.sysctls ?? []) setOwn(sysctls, s.name, s.value);
  const supplementalGroups = [...(sc?.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc?.supplementalGroups ?? [])].map(String);
  const privileged = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].some((c) => c.securityContext?.privileged === true);
  return {
    metadata: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', uid: pod.metadata.uid ?? '', attempt },
    // On the host network the pod is the node: the runtime keeps the node's hostname.
    ...(spec?.hostNetwork ? {} : { hostname: podHostname(pod) }),
    logDirectory: podLogDir(ctx.podLogsDir, pod),
    dnsConfig: dns,
    portMappings: portMappings(pod),
    labels: sandboxLabels(pod),
    annotations: { ...(pod.metadata.annotations ?? {}) },
    linux: {
      cgroupParent: podCgroup(ctx.cgroupRoot, pod),
      sysctls,
      securityContext: {
        namespaceOptions: podNamespaces(pod),
        privileged,
        supplementalGroups,
        ...(sc?.runAsUser !== undefined ? { runAsUser: { value: sc.runAsUser } } : {}),
        ...(sc?.runAsGroup !== undefined ? { runAsGroup: { value: sc.runAsGroup } } : {}),
      },
    },
  };
}
