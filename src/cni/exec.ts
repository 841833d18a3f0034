import { join } from 'node:path';
import { realFiles } from '../host/files/real.js';
import type { Files } from '../host/files/types.js';
import { realProcesses } from '../host/process/real.js';
import type { Processes } from '../host/process/types.js';
import { runSkel, type Plugin, type PluginContext, type SkelOutcome } from './skel.js';
import { CniError, ErrorCode, type CniArgs, type Command, type Result } from './types.js';
import { convertResult, CURRENT_VERSION, parseResult } from './version.js';

/**
 * How a plugin is run: the seam between the invoker (and delegating plugins) and the
 * executables. ExecRunner finds `type` in the CNI_PATH dirs and execs it; InProcessRunner
 * calls skiff's own plugins through the same skel, without a process.
 */
export interface PluginRunner {
  /** Rejects with CniError when the plugin cannot be found or started; a plugin's own
   *  failure is a resolved outcome with a non-zero exitCode. */
  run(type: string, env: Readonly<Record<string, string>>, stdin: string, paths: readonly string[]): Promise<SkelOutcome>;
}

export class ExecRunner implements PluginRunner {
  /** `wrap` prefixes the command line, e.g. ['nsenter', '--net=/run/netns/node'] in tests. */
  constructor(
    private readonly wrap: readonly string[] = [],
    private readonly host: { files: Files; processes: Processes } = { files: realFiles, processes: realProcesses },
  ) {}

  async run(type: string, env: Readonly<Record<string, string>>, stdin: string, paths: readonly string[]): Promise<SkelOutcome> {
    const file = await findPlugin(type, paths, this.host.files);
    const [cmd, ...args] = [...this.wrap, file];
    const fullEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env };
    const exit = await this.host.processes.run(cmd!, args, { env: fullEnv, stdin }).catch((e: unknown) => {
      throw new CniError(ErrorCode.IoFailure, `failed to run plugin ${type}`, (e as Error).message);
    });
    if (exit.signal) throw new CniError(ErrorCode.IoFailure, `plugin ${type} killed by ${exit.signal}`, exit.stderr.trim());
    return { exitCode: exit.code, stdout: exit.stdout };
  }
}

/** Finds an executable plugin by type in the path dirs, like libcni's FindInPath. */
export async function findPlugin(type: string, paths: readonly string[], files: Files = realFiles): Promise<string> {
  if (!type || type.includes('/')) throw new CniError(ErrorCode.InvalidConfig, 'invalid plugin type', `"${type}"`);
  for (const dir of paths) {
    const file = join(dir, type);
    if (await files.executable(file)) return file;
  }
  throw new CniError(ErrorCode.IoFailure, `failed to find plugin "${type}" in path [${paths.join(' ')}]`);
}

/** skiff's own plugins by type run in this process; anything else goes to `fallback`. */
export class InProcessRunner implements PluginRunner {
  constructor(
    private readonly builtins: ReadonlyMap<string, Plugin>,
    private readonly fallback: PluginRunner = new ExecRunner(),
  ) {}

  run(type: string, env: Readonly<Record<string, string>>, stdin: string, paths: readonly string[]): Promise<SkelOutcome> {
    const plugin = this.builtins.get(type);
    return plugin ? runSkel(plugin, { env: { ...env, CNI_PATH: paths.join(':') }, stdin }) : this.fallback.run(type, env, stdin, paths);
  }
}

/** The CNI_* environment for one command. */
export function cniEnv(command: Command, a: Partial<Omit<CniArgs, 'command'>>): Record<string, string> {
  const env: Record<string, string> = { CNI_COMMAND: command };
  if (a.containerId) env.CNI_CONTAINERID = a.containerId;
  if (a.netns) env.CNI_NETNS = a.netns;
  if (a.ifname) env.CNI_IFNAME = a.ifname;
  const args = Object.entries(a.args ?? {}).map(([k, v]) => `${k}=${v}`).join(';');
  if (args) env.CNI_ARGS = args;
  if (a.path) env.CNI_PATH = a.path.join(':');
  return env;
}

/** Turns a failed outcome into the CniError the plugin printed. */
export function outcomeError(type: string, out: SkelOutcome): CniError {
  try {
    const e = JSON.parse(out.stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof e.code === 'number') return new CniError(e.code, String(e.msg ?? `plugin ${type} failed`), typeof e.details === 'string' ? e.details : '');
  } catch {}
  return new CniError(ErrorCode.IoFailure, `plugin ${type} failed with status ${out.exitCode}`, out.stdout.trim());
}

/**
 * Runs the IPAM (or other) delegate named by `type` with this invocation's env and stdin,
 * as the reference plugins' ipam.ExecAdd/ExecDel do. ADD resolves with its result.
 */
export async function delegate(runner: PluginRunner, type: string, command: Command, ctx: PluginContext, stdin = ctx.stdin): Promise<Result | undefined> {
  const out = await runner.run(type, cniEnv(command, ctx.args), stdin, ctx.args.path);
  if (out.exitCode !== 0) throw outcomeError(type, out);
  if (command !== 'ADD') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.stdout);
  } catch (err) {
    throw new CniError(ErrorCode.DecodingFailure, `plugin ${type} printed no valid result`, (err as Error).message);
  }
  // Plugins work on current-version results; the skel converts back on output.
  return convertResult(parseResult(parsed, `result of ${type}`), CURRENT_VERSION);
}
