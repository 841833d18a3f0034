// `$(VAR)` references in env values, command and args, with upstream's rules
// (third_party/forked/golang/expansion): `$$` is a literal `$`, an unknown or unfinished
// reference stays as written, and a `$` before anything else is kept with that character.
import type { Container, Pod } from '../../api/types.js';
import { ownValue } from '../../own-keys.js';

/** input with each `$(NAME)` that lookup knows replaced. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // Unfinished: `$(` stays and scanning goes on after it, as upstream does.
        out += '$(';
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** A fieldRef env value from the pod object (the downward API); undefined for a path not known here. */
function fieldRefValue(pod: Pod, path: string | undefined): string | undefined {
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

/**
 * The container's environment in order: literal values (each may refer to variables defined
 * before it) and the pod's own fields (fieldRef). Other valueFrom sources are not resolved here:
 * those variables are left out. One environment for the container and its subPathExprs.
 */
export function containerEnv(pod: Pod, c: Container): { name: string; value: string }[] {
  const out = new Map<string, string>();
  for (const e of c.env ?? []) {
    const value = e.valueFrom ? fieldRefValue(pod, e.valueFrom.fieldRef?.fieldPath) : expand(e.value ?? '', (name) => out.get(name));
    if (value !== undefined) out.set(e.name, value);
  }
  return [...out].map(([name, value]) => ({ name, value }));
}

/** containerEnv as a Map, as subPathExpr expansion reads it. */
export const containerEnvMap = (pod: Pod, c: Container): Map<string, string> => new Map(containerEnv(pod, c).map((e) => [e.name, e.value]));

/** command and args with `$(VAR)` from the container's final environment (upstream ExpandContainerCommandAndArgs). */
export function expandCommand(c: Container, env: readonly { name: string; value: string }[]): { command: string[]; args: string[] } {
  const vars = new Map(env.map((e) => [e.name, e.value]));
  const lookup = (name: string) => vars.get(name);
  return { command: (c.command ?? []).map((s) => expand(s, lookup)), args: (c.args ?? []).map((s) => expand(s, lookup)) };
}
