import { constants } from 'node:os';
import { isAbsolute } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { systemClock, type Clock } from '../clock.js';
import { ERRNO, HostError, invalid } from '../errors.js';
import { runcError, signalArg, validId } from './runc.js';
import type {
  AttachOptions, AttachStreams, CreateOptions, ExecOptions, ExecStreams, ExecSyncOptions, ExecSyncResult, ExitStatus, OciListed, OciRuntime, OciState, OciStatus,
} from './types.js';

// A model of runc + conmon for the CRI layer's unit tests: containers move
// created -> running -> stopped, signals stop them (or are ignored, as by a PID 1 without a
// handler), conmon's records (exit code, finish time, OOM) live per stateDir and outlive
// `delete`, as the files do. A running container's main process reads stdin like `cat`:
// what an attach writes comes back on every attached stdout, until the process exits. The contract suite (test/contract/oci.case.ts) holds it to the
// behaviour of the real runtime.

/** How a fake container's process behaves; chosen per create by FakeOciOptions.program. */
export interface FakeProgram {
  /** Exits by itself with this code as soon as it is started. */
  exitOnStart?: number;
  /** Also marks the exit of exitOnStart as an OOM kill (exit code 137 is customary). */
  oomOnStart?: boolean;
  /** Signals it survives ('SIGTERM'); SIGKILL can never be ignored. */
  ignores?: string[];
  /** runc create fails with this text (nothing is left behind). */
  createError?: string;
}

export type FakeExecHandler = (id: string, cmd: string[], opts: ExecSyncOptions) => Partial<ExecSyncResult> | undefined;

export interface FakeOciOptions {
  program?: (c: CreateOptions) => FakeProgram;
  /** Answers exec and execSync (default: exit code 0, no output). */
  exec?: FakeExecHandler;
  /** What exits are stamped with (finishedAt); defaults to the system clock. */
  clock?: Clock;
}

interface Ctr {
  c: CreateOptions;
  status: OciStatus;
  pid: number;
  program: FakeProgram;
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** 'TERM', 'SIGTERM', 15 -> 'SIGTERM'; EINVAL for a signal runc would not know. */
function signalName(signal: string | number): string {
  const arg = signalArg(signal);
  const name = /^\d+$/.test(arg) ? SIGNAL_NAMES.get(Number(arg)) : arg.startsWith('SIG') ? arg : `SIG${arg}`;
  if (!name || !Object.hasOwn(constants.signals, name)) throw runcError('kill', `unknown signal "${String(signal)}"`, 'EINVAL');
  return name;
}

export class FakeOciRuntime implements OciRuntime {
  private readonly ctrs = new Map<string, Ctr>();
  private readonly exits = new Map<string, ExitStatus>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** stateDirs whose monitor is alive (created, not yet exited). */
  private readonly monitored = new Set<string>();
  private nextPid = 1000;
  /** Open attaches per stateDir: ended when the container's process exits. */
  private readonly attaches = new Map<string, Set<() => void>>();
  private readonly echoes = new Map<string, Set<PassThrough>>();
  /** The last terminal size an attach or exec asked for, per stateDir or exec id ('<id>/exec'). */
  readonly sizes = new Map<string, { width: number; height: number }>();
  /** Ids whose `state` fails as runc does when its state file cannot be read. */
  readonly unreadableState = new Set<string>();

  constructor(private readonly opts: FakeOciOptions = {}) {}

  async create(c: CreateOptions): Promise<{ pid: number }> {
    if (!validId(c.id)) throw invalid(`invalid container id ${JSON.stringify(c.id)}`);
    for (const p of [c.bundle, c.logPath, c.stateDir]) if (!isAbsolute(p)) throw invalid(`not an absolute path: ${p}`);
    if (this.ctrs.has(c.id)) throw runcError('create', `container with id exists: ${c.id}`, 'EEXIST');
    const program = this.opts.program?.(c) ?? {};
    this.exits.delete(c.stateDir);
    if (program.createError) throw runcError('create', program.createError);
    const pid = this.nextPid++;
    this.ctrs.set(c.id, { c: { ...c }, status: 'created', pid, program });
    this.monitored.add(c.stateDir);
    return { pid };
  }

  async start(id: string): Promise<void> {
    const ctr = this.get(id, 'start');
    if (ctr.status !== 'created') throw runcError('start', ctr.status === 'stopped' ? 'cannot start a container that has stopped' : 'cannot start an already running container', 'EINVAL');
    ctr.status = 'running';
    if (ctr.program.exitOnStart !== undefined) this.finish(ctr, ctr.program.exitOnStart, ctr.program.oomOnStart ?? false);
  }

  async kill(id: string, signal: string | number): Promise<void> {
    const ctr = this.get(id, 'kill');
    const name = signalName(signal);
    if (ctr.status === 'stopped') return;
    if (name !== 'SIGKILL' && (ctr.program.ignores ?? []).map(signalName).includes(name)) return;
    this.finish(ctr, 128 + constants.signals[name as keyof typeof constants.signals], false);
  }

  async delete(id: string): Promise<void> {
    const ctr = this.ctrs.get(id);
    if (!ctr) return;
    if (ctr.status !== 'stopped') this.finish(ctr, 137, false);
    this.ctrs.delete(id);
  }

  async state(id: string): Promise<OciState | undefined> {
    if (this.unreadableState.has(id)) throw runcError('state', `open /run/runc/${id}/state.json: input/output error`, 'EIO');
    const ctr = this.ctrs.get(id);
    return ctr && { status: ctr.status, pid: ctr.status === 'stopped' ? 0 : ctr.pid };
  }

  async exitStatus(stateDir: string): Promise<ExitStatus | undefined> {
    const e = this.exits.get(stateDir);
    return e && { ...e };
  }

  waitExit(stateDir: string, signal?: AbortSignal): Promise<ExitStatus> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const done = this.exits.get(stateDir);
      if (done) return resolve({ ...done });
      if (!this.monitored.has(stateDir)) return reject(new HostError('ESRCH', `no monitor for ${stateDir} and no exit recorded`, 'conmon', ERRNO.ESRCH));
      const set = this.waiters.get(stateDir) ?? new Set();
      this.waiters.set(stateDir, set);
      const onAbort = () => {
        set.delete(wake);
        reject(signal!.reason);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve({ ...this.exits.get(stateDir)! });
      };
      set.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async execSync(id: string, cmd: string[], opts: ExecSyncOptions = {}): Promise<ExecSyncResult> {
    this.execable(id, 'exec');
    const r = this.opts.exec?.(id, cmd, opts) ?? {};
    return { stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr ?? Buffer.alloc(0), exitCode: r.exitCode ?? 0, timedOut: r.timedOut ?? false };
  }

  async exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecStreams> {
    const r = await this.execSync(id, cmd, opts);
    const stdout = new PassThrough();
    const stdin = opts.stdin ? new PassThrough().resume() : undefined;
    if (opts.tty) {
      // one terminal: both outputs on stdout, line ends as a terminal writes them
      stdout.end(Buffer.from(Buffer.concat([r.stdout, r.stderr]).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'));
      const resize = (width: number, height: number) => void this.sizes.set(`${id}/exec`, { width, height });
      return { ...(stdin ? { stdin } : {}), stdout, resize, exit: Promise.resolve(r.exitCode) };
    }
    const stderr = new PassThrough();
    stdout.end(r.stdout);
    stderr.end(r.stderr);
    return { ...(stdin ? { stdin } : {}), stdout, stderr, exit: Promise.resolve(r.exitCode) };
  }

  async attach(stateDir: string, opts: AttachOptions): Promise<AttachStreams> {
    if (!this.monitored.has(stateDir)) throw new HostError('ENOENT', `attach: no live conmon for ${stateDir}`, 'conmon', ERRNO.ENOENT);
    const stdout = new PassThrough();
    const stderr = opts.tty ? undefined : new PassThrough();
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const echoes = this.echoes.get(stateDir) ?? new Set();
    this.echoes.set(stateDir, echoes);
    echoes.add(stdout);
    const ends = this.attaches.get(stateDir) ?? new Set();
    this.attaches.set(stateDir, ends);
    const end = () => {
      ends.delete(end);
      echoes.delete(stdout);
      if (!stdout.writableEnded) stdout.end();
      if (stderr && !stderr.writableEnded) stderr.end();
      resolveDone();
    };
    ends.add(end);
    const stdin = opts.stdin
      ? new Writable({
          write: (chunk: Buffer, _e, cb) => {
            for (const o of [...echoes]) o.write(opts.tty ? Buffer.from(chunk.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1') : chunk);
            cb();
          },
        })
      : undefined;
    return {
      ...(stdin && { stdin }),
      stdout,
      ...(stderr && { stderr }),
      ...(opts.tty && { resize: (width: number, height: number) => void this.sizes.set(stateDir, { width, height }) }),
      done,
      close: async () => end(),
    };
  }

  async update(id: string, resources: object): Promise<void> {
    const ctr = this.get(id, 'update');
    if (ctr.status === 'stopped') throw runcError('update', 'container not running', 'EINVAL');
    void resources;
  }

  async reopenLog(stateDir: string): Promise<void> {
    if (!this.monitored.has(stateDir)) throw new HostError('ENOENT', `reopen log: no live conmon for ${stateDir}`, 'conmon', ERRNO.ENOENT);
  }

  async list(): Promise<OciListed[]> {
    return [...this.ctrs.entries()].map(([id, c]) => ({ id, status: c.status, pid: c.status === 'stopped' ? 0 : c.pid }));
  }

  /** The container's process exits by itself (a crash, the end of its work, an OOM kill). */
  exit(id: string, exitCode: number, opts: { oomKilled?: boolean } = {}): void {
    const ctr = this.ctrs.get(id);
    if (!ctr || ctr.status !== 'running') throw new Error(`fake oci: ${id} is not running`);
    this.finish(ctr, exitCode, opts.oomKilled ?? false);
  }

  private finish(ctr: Ctr, exitCode: number, oomKilled: boolean): void {
    ctr.status = 'stopped';
    const dir = ctr.c.stateDir;
    this.exits.set(dir, { exitCode, finishedAt: new Date((this.opts.clock ?? systemClock).now()), oomKilled });
    this.monitored.delete(dir);
    for (const wake of this.waiters.get(dir) ?? []) wake();
    this.waiters.delete(dir);
    for (const end of [...(this.attaches.get(dir) ?? [])]) end();
    this.attaches.delete(dir);
  }

  private get(id: string, what: string): Ctr {
    const ctr = this.ctrs.get(id);
    if (!ctr) throw runcError(what, `container does not exist: ${id}`, 'ENOENT');
    return ctr;
  }

  /** runc execs into created and running containers, not stopped ones. */
  private execable(id: string, what: string): Ctr {
    const ctr = this.get(id, what);
    if (ctr.status === 'stopped') throw runcError(what, 'cannot exec in a stopped container', 'EINVAL');
    return ctr;
  }
}
