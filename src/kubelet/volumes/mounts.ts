// volumeMounts -> CRI mounts, as upstream's makeMounts (pkg/kubelet/kubelet_pods.go) decides
// them: subPath/subPathExpr under the volume, read-only for API data volumes, propagation
// mapped. Pure: setUp has already made the subPath directories and checked that none escapes
// the volume through a symlink (subpaths.ts). /etc/hosts and the termination log are the pod
// manager's.
import { join } from 'node:path';
import type { Container, Pod, Volume, VolumeMount } from '../../api/types.js';
import type { Mount } from '../../cri/gen/runtime/v1/Mount.js';
import type { PodVolumes } from '../types.js';
import { containerEnvMap } from '../pods/expand.js';
import { MountError } from './errors.js';
import { expand } from '../pods/expand.js';

const PROPAGATION = new Map<string, Mount['propagation']>([
  ['None', 'PROPAGATION_PRIVATE'],
  ['HostToContainer', 'PROPAGATION_HOST_TO_CONTAINER'],
  ['Bidirectional', 'PROPAGATION_BIDIRECTIONAL'],
]);

/** Volumes whose contents come from the API: always mounted read-only (ReadOnlyAPIDataVolumes). */
export function isApiDataVolume(v: Volume | undefined): boolean {
  return !!(v?.configMap || v?.secret || v?.downwardAPI || v?.projected);
}

/**
 * The CRI mounts of container's volumeMounts. env is the container's resolved environment
 * for subPathExpr (default: its literal values and pod fields, env.ts). Throws MountError with
 * makeMounts' messages (a volume the pod does not have, a bad subPath, a missing variable).
 */
export function containerMounts(pod: Pod, container: Container, volumes: PodVolumes, env?: ReadonlyMap<string, string>): Mount[] {
  const specVolumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (container.volumeMounts ?? []).map((m) => {
    const volumePath = volumes.paths.get(m.name);
    if (volumePath === undefined) throw new MountError(`cannot find volume "${m.name}" to mount into container "${container.name}"`);
    const subPath = mountSubPath(pod, container, m, env);
    const propagation = PROPAGATION.get(m.mountPropagation ?? 'None');
    if (!propagation) throw new MountError(`invalid propagation mode: ${String(m.mountPropagation)}`);
    return {
      containerPath: m.mountPath,
      hostPath: subPath ? join(volumePath, subPath) : volumePath,
      readonly: !!m.readOnly || isApiDataVolume(specVolumes.get(m.name)),
      selinuxRelabel: false,
      propagation,
    };
  });
}

/** The mount's subPath ('' for none), subPathExpr expanded; checked as makeMounts checks it. */
export function mountSubPath(pod: Pod, container: Container, m: VolumeMount, env?: ReadonlyMap<string, string>): string {
  let subPath = m.subPath ?? '';
  if (m.subPathExpr) {
    const vars = env ?? containerEnvMap(pod, container);
    const missing = new Set<string>();
    subPath = expand(m.subPathExpr, (name) => {
      const value = vars.get(name) ?? '';
      if (value === '') missing.add(name);
      return value;
    });
    if (missing.size) throw new MountError(`missing value for ${[...missing].sort().join(', ')}`);
  }
  if (subPath === '') return '';
  if (subPath.startsWith('/')) throw new MountError(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new MountError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  return subPath;
}
