import { spawn, type ChildProcess } from 'node:child_process';
import { constants, watch } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { trace } from '../../trace.js';
import { errnoOf, HostError } from '../errors.js';
import type { CreateOptions, ExitStatus } from './types.js';

// conmon, the per-container monitor: it runs `runc create`, holds the container's stdio,
// writes the CRI log, and records the exit code and OOM kills in the container's stateDir,
// where they survive a restart of skiff.

const log = trace('oci');

/** What lives in a container's stateDir. conmon writes 'exit' and 'oom' (--persist-dir and cwd). */
export const FILES = {
  exit: 'exit',
  oom: 'oom',
  pid: 'pidfile',
  conmonPid: 'conmon.pid',
  /** Ours: where the bundle (conmon's ctl fifo) and the log are, for reopenLog after a restart. */
  meta: 'oci.json',
} as const;

export interface Meta {
  id: string;
  bundle: string;
  logPath: string;
  conmonPid: number;
}

export interface ConmonArgs extends CreateOptions {
  runc: string;
  runcRoot: string;
  logSizeMax?: number;
}

/**
 * conmon's command line (pure). --sync keeps conmon our direct child instead of double-forking:
 * Node reaps only children it spawned, so a daemonized conmon would stay a zombie under a
 * subreaper (or a non-reaping PID 1) forever. It still outlives us: spawned in its own session.
 */
export function conmonArgs(o: ConmonArgs): string[] {
  const args = [
    '--sync',
    '-c', o.id, '-u', o.id, '-n', o.id,
    '-r', o.runc, '--runtime-arg', `--root=${o.runcRoot}`, '--runtime-arg', '--log-format=json',
    '-b', o.bundle,
    '-p', join(o.stateDir, FILES.pid),
    '-P', join(o.stateDir, FILES.conmonPid),
    '-l', `k8s-file:${o.logPath}`,
    '--persist-dir', o.stateDir,
    '--socket-dir-path', o.stateDir,
  ];
  if (o.logSizeMax !== undefined && o.logSizeMax > 0) args.push('--log-size-max', String(o.logSizeMax));
  if (o.tty) args.push('-t');
  else if (o.stdin) {
    if (!o.stdinOnce) args.push('--leave-stdin-open');
    args.push('-i');
  }
  return args;
}

export interface Started {
  pid: number;
  conmon: ChildProcess;
}

function conmonError(code: string, message: string): HostError {
  return new HostError(code, message, 'conmon', errnoOf(code));
}

/**
 * Starts conmon and waits for its sync message: {"pid": N} once runc create finished, or
 * {"pid": -1, "message": runc's stderr}. Rejects with that message (the caller cleans up);
 * on timeout kills conmon by its pid first. onSpawn learns conmon's pid before runc runs.
 */
export function startConmon(path: string, args: string[], cwd: string, timeoutMs: number, onSpawn?: (pid: number) => void): Promise<Started> {
  log(() => `${path} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin', _OCI_SYNCPIPE: '3' },
    });
    if (child.pid) onSpawn?.(child.pid);
    const sync = child.stdio[3] as Readable;
    let syncText = '';
    let stderr = '';
    let settled = false;
    const done = (err: HostError | undefined, pid?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sync.destroy();
      child.stderr?.destroy();
      if (err) return reject(Object.assign(err, { conmon: child }));
      child.unref();
      resolve({ pid: pid!, conmon: child });
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(conmonError('ETIMEDOUT', `conmon: runc create did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    sync.on('data', (d: Buffer) => {
      syncText += d.toString('utf8');
      const nl = syncText.indexOf('\n');
      if (nl < 0) return;
      let msg: { pid?: number; message?: string };
      try {
        msg = JSON.parse(syncText.slice(0, nl)) as { pid?: number; message?: string };
      } catch {
        return done(conmonError('EIO', `conmon: unreadable sync message ${JSON.stringify(syncText)}`));
      }
      if (typeof msg.pid === 'number' && msg.pid > 0) return done(undefined, msg.pid);
      done(conmonError('EIO', msg.message ?? `conmon: container create failed ${stderr}`.trim()));
    });
    sync.on('error', () => {});
    child.on('error', (e) => done(conmonError(e.message.includes('ENOENT') ? 'ENOENT' : 'EIO', `cannot run ${path}: ${e.message}`)));
    child.on('close', (code, signal) => {
      done(conmonError('EIO', `conmon exited (${signal ?? code}) before runc create finished: ${stderr.trim() || syncText.trim()}`));
    });
  });
}

/** Removes what a previous run left in stateDir, so an old exit is never read as this one's. */
export async function clearStateDir(stateDir: string): Promise<void> {
  await Promise.all(Object.values(FILES).map((f) => rm(join(stateDir, f), { force: true })));
}

export async function writeMeta(stateDir: string, meta: Meta): Promise<void> {
  await writeFile(join(stateDir, FILES.meta), JSON.stringify(meta));
}

/** The container's metadata; rejects ENOENT when no container was created with this stateDir. */
export async function readMeta(stateDir: string): Promise<Meta> {
  try {
    return JSON.parse(await readFile(join(stateDir, FILES.meta), 'utf8')) as Meta;
  } catch (err) {
    throw conmonError('ENOENT', `no container state in ${stateDir}: ${(err as Error).message}`);
  }
}

/** The exit conmon recorded, or undefined. finishedAt is the exit file's mtime, as in CRI-O. */
export async function readExit(stateDir: string): Promise<ExitStatus | undefined> {
  const file = join(stateDir, FILES.exit);
  let text: string;
  let mtime: Date;
  try {
    [text, { mtime }] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const exitCode = Number.parseInt(text.trim(), 10);
  if (!Number.isFinite(exitCode)) return undefined; // conmon writes atomically; never seen half-written
  const oomKilled = await stat(join(stateDir, FILES.oom)).then(() => true, () => false);
  return { exitCode, finishedAt: mtime, oomKilled };
}

/** Whether pid is a live conmon (not a zombie, not a recycled pid running something else). */
export async function conmonAlive(pid: number): Promise<boolean> {
  try {
    const [status, cmdline] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')]);
    return !/^State:\s+Z/m.test(status) && cmdline.split('\0')[0]!.endsWith('conmon');
  } catch {
    return false;
  }
}

/**
 * Resolves with the recorded exit. Woken by inotify on stateDir, with a slow poll as a safety
 * net that also notices a monitor that died without recording an exit (ESRCH).
 */
export function waitForExit(stateDir: string, signal?: AbortSignal, pollMs = 500): Promise<ExitStatus> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let finished = false;
    let checking = false;
    let again = false;
    const watcher = (() => {
      try {
        return watch(stateDir, () => void check(false));
      } catch {
        return undefined; // no stateDir: the poll reports it
      }
    })();
    watcher?.on('error', () => {});
    const timer = setInterval(() => void check(true), pollMs);
    const stop = () => {
      finished = true;
      clearInterval(timer);
      watcher?.close();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      if (finished) return;
      stop();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort);
    const check = async (liveness: boolean): Promise<void> => {
      if (finished) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        const exit = await readExit(stateDir);
        if (!finished && exit) {
          stop();
          return resolve(exit);
        }
        if (liveness && !finished) {
          const meta = await readMeta(stateDir);
          if (!(await conmonAlive(meta.conmonPid))) {
            const last = await readExit(stateDir);
            stop();
            if (last) return resolve(last);
            return reject(conmonError('ESRCH', `conmon ${meta.conmonPid} of ${meta.id} is gone and recorded no exit`));
          }
        }
      } catch (err) {
        if (!finished) {
          stop();
          reject(err);
        }
      } finally {
        checking = false;
        if (again && !finished) {
          again = false;
          void check(false);
        }
      }
    };
    void check(false);
  });
}

/**
 * Writes a message to conmon's ctl fifo in the bundle ("2 0 0": reopen the log; "1 h w": resize).
 * Non-blocking: with no conmon reading, open fails (ENXIO) and this rejects ENOENT.
 */
export async function writeCtl(bundle: string, message: string): Promise<void> {
  let fh;
  try {
    fh = await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw conmonError('ENOENT', `conmon ctl of ${bundle}: ${(err as Error).message} (no live conmon)`);
  }
  try {
    await fh.write(message);
  } finally {
    await fh.close();
  }
}
