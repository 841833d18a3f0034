// The environment a subPathExpr expands against when the pod manager passes none: the
// container's literal values (each expanded against those before it) and the downward API
// fields known from the pod object. Values from ConfigMaps, Secrets and resources are the pod
// manager's to resolve; it passes its full environment to containerMounts.
import type { Container, EnvVar, Pod } from '../../api/types.js';
import { ownValue } from '../../own-keys.js';
import { expand } from '../pods/expand.js';

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

export function containerEnv(pod: Pod, container: Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const v of container.env ?? []) {
    const value = valueOf(pod, v, env);
    if (value !== undefined) env.set(v.name, value);
  }
  return env;
}

function valueOf(pod: Pod, v: EnvVar, env: ReadonlyMap<string, string>): string | undefined {
  if (v.valueFrom === undefined) return expand(v.value ?? '', (name) => env.get(name) ?? `$(${name})`);
  const path = v.valueFrom.fieldRef?.fieldPath;
  if (path === undefined) return undefined;
  const sub = SUBSCRIPT.exec(path);
  if (sub) return ownValue((sub[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {}, sub[2]!);
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'spec.nodeName': return pod.spec?.nodeName;
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName;
    case 'status.hostIP': return pod.status?.hostIP;
    case 'status.podIP': return pod.status?.podIP;
    default: return undefined;
  }
}
