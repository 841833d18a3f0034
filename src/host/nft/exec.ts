import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { errnoOf, HostError } from '../errors.js';
import { realProcesses } from '../process/real.js';

// Runs a netfilter tool (nft, conntrack), entered into a network namespace with nsenter
// when one is given. A child process, not the addon: the tools are what nft and conntrack
// users run, and a child in the namespace keeps JavaScript out of it.

export interface ToolOptions {
  /** Directories searched for the tools before PATH (default: the system's sbin and bin). */
  path?: string;
  /** Kills the tool (by its pid) after this long. */
  timeoutMs?: number;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

const SYSTEM = '/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin';
const found = new Map<string, string>();

/**
 * The tool's absolute path: the system directories first, then PATH. Not PATH first: under
 * npm and ava, PATH starts with node_modules/.bin, where @vercel/nft installs an `nft` too.
 */
export function which(tool: string, dirs = SYSTEM): string {
  const key = `${dirs}\0${tool}`;
  let file = found.get(key);
  if (file) return file;
  for (const dir of [...dirs.split(':'), ...(process.env.PATH ?? '').split(':')].filter(Boolean)) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      file = join(dir, tool);
      break;
    } catch {}
  }
  if (!file) throw hostError('ENOENT', `${tool} not found in ${dirs} or PATH`, 'spawn');
  found.set(key, file);
  return file;
}

export function hostError(code: string, message: string, syscall: string, opIndex?: number): HostError {
  return new HostError(code, message, syscall, errnoOf(code), opIndex);
}

/** Runs argv (in netns when given); resolves with the exit status, whatever it is. */
export async function runTool(argv: readonly string[], opts: ToolOptions & { netns?: string; stdin?: string } = {}): Promise<ToolResult> {
  const tool = [which(argv[0]!, opts.path), ...argv.slice(1)];
  const full = opts.netns !== undefined ? [which('nsenter', opts.path), `--net=${opts.netns}`, '--', ...tool] : tool;
  const env = { ...definedEnv(), LC_ALL: 'C' };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const exit = await realProcesses.run(full[0]!, full.slice(1), { env, stdin: opts.stdin ?? '', timeoutMs });
  if (exit.timedOut) throw hostError('ETIMEDOUT', `${argv.join(' ')}: killed after ${timeoutMs} ms ${exit.stderr.trim()}`.trim(), argv[0]!);
  if (exit.signal) throw hostError('EIO', `${argv.join(' ')}: killed by ${exit.signal} ${exit.stderr.trim()}`.trim(), argv[0]!);
  return { code: exit.code, stdout: exit.stdout, stderr: exit.stderr };
}

/** process.env without its unset entries. */
function definedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The errno name an nft (or nsenter) error message carries. */
export function classify(stderr: string): string {
  if (/No such file or directory/.test(stderr)) return 'ENOENT';
  if (/File exists/.test(stderr)) return 'EEXIST';
  if (/Device or resource busy/.test(stderr)) return 'EBUSY';
  if (/Operation not supported/.test(stderr)) return 'EOPNOTSUPP';
  if (/Operation not permitted|Permission denied/.test(stderr)) return 'EPERM';
  if (/Error:|Invalid argument|syntax error/.test(stderr)) return 'EINVAL';
  return 'EIO';
}
