// The container's command line, environment and working directory from the CRI request
// laid over the image config, with the Kubernetes rules (docker's, via containerd).
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import { SpecError, type ImageConfigBody } from './input.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * command replaces the image Entrypoint and drops its Cmd; args alone replace Cmd.
 * An Entrypoint of [""] means "none" (docker's reset). Throws SpecError('command', ...)
 * when nothing is left to run.
 */
export function processArgs(c: Pick<ContainerConfig__Output, 'command' | 'args'>, image: ImageConfigBody): string[] {
  let command = [...c.command];
  let args = [...c.args];
  if (command.length === 0) {
    if (args.length === 0) args = [...(image.Cmd ?? [])];
    const ep = image.Entrypoint ?? [];
    if (!(ep.length === 1 && ep[0] === '')) command = [...ep];
  }
  const argv = [...command, ...args];
  if (argv.length === 0) throw new SpecError('command', 'no command specified (neither the request nor the image has one)');
  return argv;
}

/** Sets KEY=value in place of an earlier KEY, or appends it (oci.WithEnv's rule). */
function setEnv(env: string[], entry: string): void {
  const eq = entry.indexOf('=');
  const key = eq < 0 ? entry : entry.slice(0, eq);
  const at = env.findIndex((e) => (e.indexOf('=') < 0 ? e : e.slice(0, e.indexOf('='))) === key);
  if (at >= 0) env[at] = entry;
  else env.push(entry);
}

/**
 * PATH (default if nobody sets one), HOSTNAME, the image's Env, then the request's envs;
 * a later value of a name replaces the earlier one where it stood. Throws
 * SpecError('envs[i]', ...) for an empty name.
 */
export function processEnv(c: Pick<ContainerConfig__Output, 'envs'>, image: ImageConfigBody, hostname: string): string[] {
  const env = [DEFAULT_PATH];
  setEnv(env, `HOSTNAME=${hostname}`);
  for (const e of image.Env ?? []) setEnv(env, e);
  c.envs.forEach((e, i) => {
    if (!e.key) throw new SpecError(`envs[${i}]`, 'empty variable name');
    setEnv(env, `${e.key}=${e.value}`);
  });
  return env;
}

/** working_dir, else the image's WorkingDir, else '/'. Throws SpecError('workingDir', ...) if relative. */
export function processCwd(c: Pick<ContainerConfig__Output, 'workingDir'>, image: ImageConfigBody): string {
  const cwd = c.workingDir || image.WorkingDir || '/';
  if (!cwd.startsWith('/')) throw new SpecError('workingDir', `"${cwd}" must be absolute`);
  return cwd;
}
