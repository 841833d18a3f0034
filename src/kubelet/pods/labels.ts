// The labels and annotations the kubelet puts on sandboxes and containers, named as upstream's
// (pkg/kubelet/types/labels.go, kuberuntime/labels.go), so crictl and upstream tools read our
// pods, and so a restarted kubelet finds its pods' containers and their restart counts again.
import type { Container, Pod } from '../../api/types.js';
import { ownValue } from '../../own-keys.js';

export const POD_NAME = 'io.kubernetes.pod.name';
export const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const POD_UID = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME = 'io.kubernetes.container.name';
export const CONTAINER_HASH = 'io.kubernetes.container.hash';
export const RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
export const TERMINATION_MESSAGE_POLICY = 'io.kubernetes.container.terminationMessagePolicy';
export const TERMINATION_GRACE_PERIOD = 'io.kubernetes.pod.terminationGracePeriod';
export const DELETION_GRACE_PERIOD = 'io.kubernetes.pod.deletionGracePeriod';
export const CONTAINER_PORTS = 'io.kubernetes.container.ports';

/** The pod's own labels plus the three that name it (upstream newPodLabels). */
export function sandboxLabels(pod: Pod): Record<string, string> {
  return { ...(pod.metadata.labels ?? {}), [POD_NAME]: pod.metadata.name ?? '', [POD_NAMESPACE]: pod.metadata.namespace ?? '', [POD_UID]: pod.metadata.uid ?? '' };
}

/** Only the naming labels: a container does not carry the pod's labels (upstream newContainerLabels). */
export function containerLabels(pod: Pod, c: Container): Record<string, string> {
  return { [POD_NAME]: pod.metadata.name ?? '', [POD_NAMESPACE]: pod.metadata.namespace ?? '', [POD_UID]: pod.metadata.uid ?? '', [CONTAINER_NAME]: c.name };
}

export function containerAnnotations(pod: Pod, c: Container, restartCount: number): Record<string, string> {
  const grace = pod.spec?.terminationGracePeriodSeconds;
  const deletionGrace = pod.metadata.deletionGracePeriodSeconds;
  return {
    [CONTAINER_HASH]: containerHash(c),
    [RESTART_COUNT]: String(restartCount),
    [TERMINATION_MESSAGE_PATH]: c.terminationMessagePath ?? '/dev/termination-log',
    [TERMINATION_MESSAGE_POLICY]: c.terminationMessagePolicy ?? 'File',
    ...(deletionGrace !== undefined ? { [DELETION_GRACE_PERIOD]: String(deletionGrace) } : {}),
    ...(grace !== undefined ? { [TERMINATION_GRACE_PERIOD]: String(grace) } : {}),
    // The ports as JSON, as upstream writes them for tools that read a container's ports off the runtime.
    ...(c.ports?.length ? { [CONTAINER_PORTS]: JSON.stringify(c.ports) } : {}),
  };
}

/** The restart count a container was created with; 0 when the annotation is missing or bad. */
export function restartCountOf(annotations: Readonly<Record<string, string>>): number {
  const n = Number(ownValue(annotations, RESTART_COUNT));
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * A short hash of the container's spec: a running container whose spec no longer hashes the same
 * (a new image) is restarted, as upstream's hash comparison does. FNV-1a over the JSON with
 * sorted keys, so the hash survives a kubelet restart and key order on the wire.
 */
export function containerHash(c: Container): string {
  const text = stableJson(c);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `<ns>_<name>_<uid>`: the pod's log directory name below the pod logs root (upstream BuildPodLogsDirectory). */
export const podLogDirName = (pod: Pod): string => `${pod.metadata.namespace ?? ''}_${pod.metadata.name ?? ''}_${pod.metadata.uid ?? ''}`;

/** `<container>/<restartCount>.log`, relative to the sandbox's log directory (upstream BuildContainerLogsDirectory). */
export const containerLogPath = (name: string, restartCount: number): string => `${name}/${restartCount}.log`;
