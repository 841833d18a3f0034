import { spawn } from 'node:child_process';
import { systemClock } from '../clock.js';
import { closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadStream as TtyStream } from 'node:tty';
import { ERRNO, HostError, invalid, toHostError } from '../errors.js';
import { native } from '../native.js';
import { attachSocket } from './attach.js';
import { which } from '../nft/exec.js';
import { clearStateDir, conmonAlive, conmonArgs, readExit, readMeta, startConmon, waitForExit, writeCtl, writeMeta } from './conmon.js';
import { Runc, runcError, runcMessage, signalArg, validId } from './runc.js';
import type {
  AttachOptions, AttachStreams, CreateOptions, ExecOptions, ExecStreams, ExecSyncOptions, ExecSyncResult, ExecUser, ExitStatus, OciListed, OciRuntime, OciState,
} from './types.js';

export interface RealOciOptions {
  /** runc --root (runc's state); tests use a temp dir. */
  runcRoot: string;
  /** runc executable (default: found in the system directories). */
  runc?: string;
  /** conmon executable (default: found in the system directories). */
  conmon?: string;
  /** conmon --log-size-max in bytes (default: unlimited). */
  logSizeMax?: number;
  /** How long runc create may take before it is abandoned (default 240 s, as CRI-O). */
  createTimeoutMs?: number;
  /** execSync keeps at most this much of stdout and of stderr (default 16 MiB, as CRI-O). */
  execSyncMaxBytes?: number;
}

const MAX_EXEC_SYNC = 16 * 1024 * 1024;

/** Collects chunks up to max bytes and drops the rest (the process still runs to its end). */
function capped(max: number): { push: (d: Buffer) => void; buffer: () => Buffer } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push: (d: Buffer) => {
      if (size >= max) return;
      const part = d.subarray(0, max - size);
      chunks.push(part);
      size += part.length;
    },
    buffer: () => Buffer.concat(chunks),
  };
}

/** Throws HostError ENOENT when runc or conmon is not installed (looked up once, here). */
export function realOciRuntime(opts: RealOciOptions): OciRuntime {
  return new RealOciRuntime(opts);
}

/** runc under conmon, driven through their command lines the way CRI-O drives them. */
export class RealOciRuntime implements OciRuntime {
  private readonly runc: Runc;
  private readonly conmonPath: string;

  constructor(private readonly opts: RealOciOptions) {
    this.runc = new Runc(opts.runcRoot, opts.runc ?? which('runc'));
    this.conmonPath = opts.conmon ?? which('conmon');
  }

  async create(c: CreateOptions): Promise<{ pid: number }> {
    if (!validId(c.id)) throw invalid(`invalid container id ${JSON.stringify(c.id)}`);
    for (const p of [c.bundle, c.logPath, c.stateDir]) if (!isAbsolute(p)) throw invalid(`not an absolute path: ${p}`);
    // Checked first so a clash never touches the other container's state, log or runc entry.
    if (await this.state(c.id)) throw runcError('create', `container with id exists: ${c.id}`, 'EEXIST');
    await mkdir(this.opts.runcRoot, { recursive: true, mode: 0o700 });
    await mkdir(c.stateDir, { recursive: true });
    await clearStateDir(c.stateDir);
    const hadLog = await stat(c.logPath).then(() => true, () => false);
    const args = conmonArgs({ ...c, runc: this.runc.path, runcRoot: this.runc.root });
    // Recorded as soon as conmon exists, so a restart in the middle of create still finds it.
    let meta: Promise<void> | undefined;
    try {
      const started = await startConmon(this.conmonPath, args, c.stateDir, this.opts.createTimeoutMs ?? 240_000, (conmonPid) => {
        meta = writeMeta(c.stateDir, { id: c.id, bundle: c.bundle, logPath: c.logPath, conmonPid });
        meta.catch(() => {});
      });
      await meta;
      return { pid: started.pid };
    } catch (err) {
      const e = err as HostError & { conmon?: { pid?: number; exitCode: number | null; signalCode: string | null } };
      // Undo: the monitor, runc's entry (unless the id was someone else's), what we wrote.
      const child = e.conmon;
      if (child?.pid && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {}
      }
      const message = e instanceof HostError && e.syscall === 'conmon' ? runcMessage(e.message) : String(e.message);
      const code = e instanceof HostError && e.code !== 'EIO' ? e.code : runcError('create', message).code;
      await meta?.catch(() => {});
      if (code !== 'EEXIST') await this.delete(c.id).catch(() => {});
      await clearStateDir(c.stateDir);
      if (!hadLog) await rm(c.logPath, { force: true });
      throw runcError('create', message, code);
    }
  }

  async start(id: string): Promise<void> {
    await this.runc.check(['start', id]);
  }

  async kill(id: string, signal: string | number): Promise<void> {
    const r = await this.runc.run(['kill', id, signalArg(signal)]);
    if (r.code === 0) return;
    const message = runcMessage(r.stderr);
    if (/not running|process already finished|no such process/i.test(message)) return;
    throw runcError('kill', message);
  }

  async delete(id: string): Promise<void> {
    const r = await this.runc.run(['delete', '--force', id]);
    if (r.code === 0) return;
    const message = runcMessage(r.stderr);
    if (/does not exist/i.test(message)) return;
    throw runcError('delete', message);
  }

  async state(id: string): Promise<OciState | undefined> {
    if (!validId(id)) return undefined;
    const r = await this.runc.run(['state', id]);
    if (r.code !== 0) {
      const message = runcMessage(r.stderr);
      if (/does not exist/i.test(message)) return undefined;
      throw runcError('state', message);
    }
    const s = JSON.parse(r.stdout.toString('utf8')) as { status: OciState['status']; pid: number };
    return { status: s.status, pid: s.status === 'stopped' ? 0 : s.pid };
  }

  exitStatus(stateDir: string): Promise<ExitStatus | undefined> {
    return readExit(stateDir);
  }

  waitExit(stateDir: string, signal?: AbortSignal): Promise<ExitStatus> {
    return waitForExit(stateDir, signal);
  }

  async execSync(id: string, cmd: string[], opts: ExecSyncOptions = {}): Promise<ExecSyncResult> {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-exec-'));
    try {
      const child = spawn(this.runc.path, this.execArgv(id, cmd, opts, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = capped(this.opts.execSyncMaxBytes ?? MAX_EXEC_SYNC);
      const err = capped(this.opts.execSyncMaxBytes ?? MAX_EXEC_SYNC);
      child.stdout.on('data', out.push);
      child.stderr.on('data', err.push);
      let timedOut = false;
      const timer = opts.timeoutMs ? setTimeout(() => {
        timedOut = true;
        void killExecd(join(dir, 'pid'), () => child.exitCode !== null || child.signalCode !== null);
      }, opts.timeoutMs) : undefined;
      const code = await exitOf(child).finally(() => clearTimeout(timer));
      await this.execStarted(dir, code);
      return { stdout: out.buffer(), stderr: err.buffer(), exitCode: code, timedOut };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecStreams> {
    if (opts.tty) return this.execTty(id, cmd, opts);
    const dir = await mkdtemp(join(tmpdir(), 'skiff-exec-'));
    const child = spawn(this.runc.path, this.execArgv(id, cmd, opts, dir), { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    // Node resumes (discards) a child's unread stdio when it exits, and a short command exits
    // before the caller reads: buffer it from the start.
    const stdout = child.stdout!.pipe(new PassThrough());
    const stderr = child.stderr!.pipe(new PassThrough());
    // 'exit', not 'close': the caller may never drain the streams.
    const exit = exitOf(child, 'exit');
    // Resolve once runc has either started the process (pid file) or given up.
    const started = await Promise.race([waitFile(join(dir, 'pid'), () => child.exitCode !== null || child.signalCode !== null).then(() => true), exit.then(() => false, () => false)]);
    if (!started) {
      try {
        await this.execStarted(dir, await exit);
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
    const code = exit.finally(() => rm(dir, { recursive: true, force: true }));
    code.catch(() => {});
    return { ...(child.stdin ? { stdin: child.stdin } : {}), stdout, stderr, exit: code };
  }

  /**
   * runc exec --tty in the foreground, as CRI-O runs it: runc's own stdio is the slave of a
   * pseudo-terminal we hold the master of; runc makes the container's terminal, copies between
   * the two and passes on the exit code. Resize = TIOCSWINSZ on our master + SIGWINCH to runc,
   * which copies the size inward (it is not runc's controlling terminal, so the kernel would not).
   * (runc's --console-socket would hand over the container's own master, but only with
   * --detach, which loses the exit code.)
   */
  private async execTty(id: string, cmd: string[], opts: ExecOptions): Promise<ExecStreams> {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-exec-'));
    let pty: { master: number; slave: number };
    try {
      pty = native().openPty();
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw toHostError(err);
    }
    // Own session: signals of our terminal (if any) never reach runc.
    const child = spawn(this.runc.path, this.execArgv(id, cmd, opts, dir, true), { stdio: [pty.slave, pty.slave, pty.slave], detached: true });
    closeSync(pty.slave); // runc holds the only copy: its exit ends our reads (EIO, which Node reads as the end)
    const term = new TtyStream(pty.master);
    const stdout = new PassThrough();
    term.pipe(stdout);
    // The slave's last close reads as EIO: Node ends the stream or fails it; either is the end.
    const endOutput = () => {
      if (!stdout.writableEnded) stdout.end();
    };
    term.on('error', endOutput);
    term.on('close', endOutput);
    const gone = () => child.exitCode !== null || child.signalCode !== null;
    const exit = exitOf(child, 'exit');
    const started = await Promise.race([waitFile(join(dir, 'pid'), gone).then(() => true), exit.then(() => false, () => false)]);
    if (!started) {
      try {
        await this.execStarted(dir, await exit);
      } catch (err) {
        term.destroy();
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
    const code = exit.finally(() => rm(dir, { recursive: true, force: true }));
    code.catch(() => {});
    // Drained to the end before the fd is closed, so no output is lost.
    stdout.on('end', () => term.destroy());
    // Ending stdin does nothing: a terminal has no half-close.
    const stdin = opts.stdin ? new Writable({ write: (chunk: Buffer, _e, cb) => void term.write(chunk, (err) => cb(err ?? undefined)) }) : undefined;
    stdin?.on('error', () => undefined);
    const resize = (width: number, height: number): void => {
      if (term.destroyed || gone()) return;
      try {
        native().setWinsize(pty.master, height, width);
        if (child.pid) process.kill(child.pid, 'SIGWINCH');
      } catch {
        // the process is ending; its size no longer matters
      }
    };
    return { ...(stdin && { stdin }), stdout, resize, exit: code };
  }

  async attach(stateDir: string, opts: AttachOptions): Promise<AttachStreams> {
    const meta = await readMeta(stateDir);
    if (!(await conmonAlive(meta.conmonPid))) throw new HostError('ENOENT', `attach: conmon of ${meta.id} is not running`, 'conmon', ERRNO.ENOENT);
    // One write at a time, in order: a late resize must not overtake a newer one.
    let resizing = Promise.resolve();
    const resize = (width: number, height: number): void => {
      resizing = resizing.then(() => writeCtl(meta.bundle, `1 ${height} ${width}\n`)).catch(() => undefined);
    };
    return attachSocket(join(meta.bundle, 'attach'), { ...opts, resize });
  }

  async update(id: string, resources: object): Promise<void> {
    await this.runc.check(['update', '--resources', '-', id], { stdin: JSON.stringify(resources) });
  }

  async reopenLog(stateDir: string): Promise<void> {
    const meta = await readMeta(stateDir);
    if (!(await conmonAlive(meta.conmonPid))) throw new HostError('ENOENT', `reopen log: conmon of ${meta.id} is not running`, 'conmon', ERRNO.ENOENT);
    await writeCtl(meta.bundle, '2 0 0\n');
    // conmon handles the message asynchronously; the file reappearing is the acknowledgement.
    await waitFile(meta.logPath, () => false, 10_000);
  }

  async list(): Promise<OciListed[]> {
    // runc list fails when a container it is reading is deleted under it: try again.
    let out: Buffer | undefined;
    for (let attempt = 1; !out; attempt++) {
      try {
        out = await this.runc.check(['list', '--format', 'json']);
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
    const rows = JSON.parse(out.toString('utf8') || 'null') as { id: string; status: string; pid: number }[] | null;
    return (rows ?? []).map((r) => ({ id: r.id, status: r.status, pid: r.pid }));
  }

  /** runc exec's argv: logs to a file (so runc's errors are not mixed into the process's stderr), pid to a file. */
  private execArgv(id: string, cmd: string[], opts: { env?: string[]; cwd?: string; user?: ExecUser }, dir: string, tty = false): string[] {
    const argv = ['--root', this.runc.root, '--log', join(dir, 'log'), '--log-format', 'json', 'exec', '--pid-file', join(dir, 'pid')];
    if (tty) argv.push('--tty');
    for (const e of opts.env ?? []) argv.push('--env', e);
    if (opts.cwd) argv.push('--cwd', opts.cwd);
    if (opts.user) {
      argv.push('--user', `${opts.user.uid}:${opts.user.gid}`);
      for (const g of opts.user.additionalGids ?? []) argv.push('--additional-gids', String(g));
    }
    argv.push(id, ...cmd);
    return argv;
  }

  /** Rejects with runc's error when the exec'd process never started (no pid file). */
  private async execStarted(dir: string, code: number): Promise<void> {
    if (await stat(join(dir, 'pid')).then(() => true, () => false)) return;
    const message = runcMessage(await readFile(join(dir, 'log'), 'utf8').catch(() => '')) || `runc exec exited ${code} without starting the process`;
    throw runcError('exec', message);
  }
}

/** The exit code of runc exec (which passes on its process's); 'close' also waits for its output. */
function exitOf(child: ReturnType<typeof spawn>, event: 'close' | 'exit' = 'close'): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(runcError('exec', `cannot run runc: ${e.message}`, 'EIO')));
    child.on(event, (code: number | null, signal: NodeJS.Signals | null) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}

/** Polls for a file (runc's pid file, a reopened log) until it exists or gone() says to stop. */
async function waitFile(path: string, gone: () => boolean, timeoutMs = 60_000): Promise<void> {
  // Monotonic time: the deadline is a duration, and no wall-clock step moves it.
  const until = systemClock.monotonic() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    if (await stat(path).then(() => true, () => false)) return;
    if (gone()) throw new HostError('ESRCH', `gave up waiting for ${path}`, 'stat', ERRNO.ESRCH);
    if (systemClock.monotonic() > until) throw new HostError('ETIMEDOUT', `${path} did not appear in ${timeoutMs} ms`, 'stat', ERRNO.ETIMEDOUT);
    await sleep(delay);
  }
}

/** The timeout of an exec: SIGKILL the exec'd process (runc exec would outlive its own kill). */
async function killExecd(pidFile: string, gone: () => boolean): Promise<void> {
  try {
    await waitFile(pidFile, gone);
    const pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {}
}
