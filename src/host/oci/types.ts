import type { Readable, Writable } from 'node:stream';

// The OCI runtime seam: containers run by runc, each watched by its own conmon (as CRI-O
// does). Every failure is a HostError (src/host/errors.ts) whose message carries runc's or
// conmon's own text; codes:
//   ENOENT  no container with that id (runc "does not exist"), or a stateDir without a monitor
//   EEXIST  create with an id runc already knows
//   EINVAL  input refused before anything ran (bad id, relative path), or a transition runc
//           refuses (start of a running or stopped container)
//   EOPNOTSUPP  what this runtime cannot do
//   ETIMEDOUT   create did not finish in time (everything it started was removed)
//   EIO     anything else runc or conmon reported

export type OciStatus = 'created' | 'running' | 'stopped' | 'paused';

export interface CreateOptions {
  /** runc container id: letters, digits, '_', '+', '-', '.'. */
  id: string;
  /** Absolute path of the OCI bundle (config.json + rootfs). */
  bundle: string;
  /** Absolute path of the CRI log file conmon writes (k8s-file format). */
  logPath: string;
  /**
   * Absolute path of a directory owned by this container alone; created if missing. conmon
   * records there what outlives skiff: the exit code ('exit', mtime = finish time), 'oom',
   * the pid files, and what reopenLog needs.
   */
  stateDir: string;
  /** Allocate a pseudo-terminal (config.json process.terminal must be true as well). */
  tty?: boolean;
  /** Keep a stdin pipe open to the container (attach). */
  stdin?: boolean;
  /** Close stdin after the first attach disconnects. */
  stdinOnce?: boolean;
}

export interface OciState {
  status: OciStatus;
  /** Host pid of the container's init; 0 once stopped. */
  pid: number;
}

export interface ExitStatus {
  /** The exit code, or 128 + signal number when the process was killed. */
  exitCode: number;
  /** When the process exited (the exit file's mtime, so it survives restarts). */
  finishedAt: Date;
  /** The kernel's OOM killer fired in the container's memory cgroup. */
  oomKilled: boolean;
}

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export interface ExecSyncOptions {
  /** After this long the exec'd process is SIGKILLed and timedOut is true. 0/absent: no limit. */
  timeoutMs?: number;
  /** Extra KEY=value entries on top of the container's environment. */
  env?: string[];
  /** Working directory (default: the container's). */
  cwd?: string;
  /** User (default: the container's). */
  user?: ExecUser;
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  /** The exit code, 128 + signal when killed (137 after a timeout). */
  exitCode: number;
  timedOut: boolean;
}

export interface ExecOptions {
  /** Run the process on a new pseudo-terminal: output comes as stdout only, resize is offered. */
  tty: boolean;
  /** Give the process a stdin pipe (else it reads /dev/null). */
  stdin: boolean;
  env?: string[];
  cwd?: string;
  user?: ExecUser;
}

export interface ExecStreams {
  stdin?: Writable;
  /** With tty: the terminal's output (stdout and stderr together, "\r\n" line ends). */
  stdout: Readable;
  /** Absent with tty. */
  stderr?: Readable;
  /** tty only: sets the terminal's size (columns, rows); the process gets SIGWINCH. Never throws. */
  resize?(width: number, height: number): void;
  /** Resolves with the exit code (128 + signal when killed); rejects only if runc could not run. */
  exit: Promise<number>;
}

export interface AttachOptions {
  /** Give the caller a stdin stream into the container's (the container needs stdin: true). */
  stdin: boolean;
  /** The container was created with tty: output comes as stdout only, resize is offered. */
  tty: boolean;
}

export interface AttachStreams {
  /**
   * Into the container's stdin. Ending it half-closes the connection (not with tty): conmon
   * then closes the container's stdin if it was created with stdinOnce, else ignores it.
   */
  stdin?: Writable;
  /** The container's stdout (with tty: the terminal's output) from now on; ends when the container's output ends. */
  stdout: Readable;
  /** Absent with tty. */
  stderr?: Readable;
  /** tty only: resizes the container's terminal (through conmon). Never throws. */
  resize?(width: number, height: number): void;
  /** Resolves once the connection is gone: the container's output ended (it exited), or close() was called. */
  done: Promise<void>;
  /** Detaches without touching the container; resolves with done. Never rejects. */
  close(): Promise<void>;
}

export interface OciListed {
  id: string;
  status: string;
  pid: number;
}

export interface OciRuntime {
  /**
   * Creates the container (runc create under a new conmon) from bundle/config.json; resolves
   * once runc create finished (state 'created') with the container's pid. Rejects with runc's
   * error text (EEXIST for a known id, EINVAL for bad input, EIO otherwise), leaving nothing
   * behind: no conmon, no runc state, no log file, no stale files in stateDir.
   */
  create(c: CreateOptions): Promise<{ pid: number }>;
  /** Starts a created container. Rejects ENOENT (unknown id) or EINVAL (not 'created'). */
  start(id: string): Promise<void>;
  /**
   * Sends a signal ('SIGTERM', 'TERM' or 15) to the container's init; succeeds if the container
   * has already stopped. Rejects ENOENT for an unknown id, EINVAL for an unknown signal.
   */
  kill(id: string, signal: string | number): Promise<void>;
  /** Removes runc's state, killing the container if it still runs (force); idempotent. */
  delete(id: string): Promise<void>;
  /** runc's view of the container; undefined when runc does not know the id. Rejects EIO otherwise. */
  state(id: string): Promise<OciState | undefined>;
  /** The exit conmon recorded in stateDir; undefined while the process runs (or never ran). */
  exitStatus(stateDir: string): Promise<ExitStatus | undefined>;
  /**
   * Resolves when conmon has recorded the exit of the container's main process. Rejects with
   * the signal's reason when aborted, ESRCH if the monitor died without recording an exit.
   */
  waitExit(stateDir: string, signal?: AbortSignal): Promise<ExitStatus>;
  /** runc exec with pipes, collected. Rejects ENOENT (unknown id) or EIO if runc could not exec. */
  execSync(id: string, cmd: string[], opts?: ExecSyncOptions): Promise<ExecSyncResult>;
  /** Streaming runc exec, with pipes or on a new pseudo-terminal (tty). Rejects ENOENT/EIO if runc could not exec. */
  exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecStreams>;
  /** runc update with OCI LinuxResources JSON. Rejects ENOENT (unknown id), EIO (refused). */
  update(id: string, resources: object): Promise<void>;
  /**
   * Asks conmon to reopen the container log (after the kubelet renamed it); resolves once the
   * log file exists again. Rejects ENOENT when no live conmon watches stateDir.
   */
  reopenLog(stateDir: string): Promise<void>;
  /**
   * Connects to the stdio of the container whose monitor keeps stateDir (its main process, as
   * conmon holds it). Rejects ENOENT when no live conmon watches stateDir (never created, or
   * exited). Output written before the attach is not replayed (it is in the log).
   */
  attach(stateDir: string, opts: AttachOptions): Promise<AttachStreams>;
  /** Containers runc knows under its root, for restart recovery. */
  list(): Promise<OciListed[]>;
}
