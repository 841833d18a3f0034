import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { errnoOf, HostError } from '../errors.js';

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
export function runTool(argv: readonly string[], opts: ToolOptions & { netns?: string; stdin?: string } = {}): Promise<ToolResult> {
  let full: string[];
  try {
    const tool = [which(argv[0]!, opts.path), ...argv.slice(1)];
    full = opts.netns !== undefined ? [which('nsenter', opts.path), `--net=${opts.netns}`, '--', ...tool] : tool;
  } catch (err) {
    return Promise.reject(err);
  }
  const env = { ...process.env, LC_ALL: 'C' };
  return new Promise((resolve, reject) => {
    const child = spawn(full[0]!, full.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const code = e.code === 'ENOENT' ? 'ENOENT' : e.code === 'EACCES' ? 'EPERM' : 'EIO';
      reject(hostError(code, `cannot run ${full[0]}: ${e.message}`, 'spawn'));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) return reject(hostError('ETIMEDOUT', `${argv.join(' ')}: killed after ${opts.timeoutMs ?? 30_000} ms ${stderr.trim()}`.trim(), argv[0]!));
      if (signal) return reject(hostError('EIO', `${argv.join(' ')}: killed by ${signal} ${stderr.trim()}`.trim(), argv[0]!));
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
    child.stdin.on('error', () => {}); // a tool that exits before reading stdin
    child.stdin.end(opts.stdin ?? '');
  });
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
