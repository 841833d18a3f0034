// `$(VAR)` references in env values, command and args, with upstream's rules
// (third_party/forked/golang/expansion): `$$` is a literal `$`, an unknown or unfinished
// reference stays as written, and a `$` before anything else is kept with that character.
import type { Container } from '../../api/types.js';

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

/**
 * The container's environment in order: each value may refer to variables defined before it
 * (and to base, such as service links, which the container's own variables override).
 * valueFrom sources are not resolved here: those variables are left out.
 */
export function containerEnv(c: Container, base: ReadonlyMap<string, string> = new Map()): { name: string; value: string }[] {
  const defined = new Map<string, string>();
  const lookup = (name: string) => defined.get(name) ?? base.get(name);
  const out = new Map<string, string>();
  for (const e of c.env ?? []) {
    if (e.valueFrom) continue;
    const value = expand(e.value ?? '', lookup);
    defined.set(e.name, value);
    out.set(e.name, value);
  }
  return [...out].map(([name, value]) => ({ name, value }));
}

/** command and args with `$(VAR)` from the container's final environment (upstream ExpandContainerCommandAndArgs). */
export function expandCommand(c: Container, env: readonly { name: string; value: string }[]): { command: string[]; args: string[] } {
  const vars = new Map(env.map((e) => [e.name, e.value]));
  const lookup = (name: string) => vars.get(name);
  return { command: (c.command ?? []).map((s) => expand(s, lookup)), args: (c.args ?? []).map((s) => expand(s, lookup)) };
}
