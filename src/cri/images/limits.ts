// How much of the network one pull may hold, and for how long without progress: a pull
// runs at most a few downloads at once and is cancelled when the registry stops sending,
// as containerd's CRI plugin does (max_concurrent_downloads, image_pull_progress_timeout).
import type { Clock } from '../../host/clock.js';

/** containerd's max_concurrent_downloads default (CRI plugin config, 1.6 and 1.7). */
export const DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3;
/** containerd's image_pull_progress_timeout default: 5m since 1.7.x and in 2.x (1m in
 *  1.7.0, the kubelet's old --image-pull-progress-deadline; 1.6 has none). 0 disables. */
export const DEFAULT_PULL_PROGRESS_TIMEOUT_MS = 5 * 60_000;
/** containerd checks progress every 10 s, or twice per timeout when that is shorter. */
const CHECK_INTERVAL_MS = 10_000;

/** The pull was cancelled: its registry sent no byte for the progress timeout. */
export class PullStalled extends Error {
  override readonly name = 'PullStalled';
  constructor(readonly timeoutMs: number) {
    super(`no data from the registry for ${timeoutMs / 1000}s while a request was open (image pull progress timeout)`);
  }
}

/**
 * One pull's network activity, watched as containerd's pullProgressReporter does: a
 * request counts from when it is sent until its body ends or is cancelled, and while any
 * is open and no byte has arrived for timeoutMs, onStall is called (once). Waiting for
 * response headers counts as no progress; time with no request open does not.
 */
export class PullProgress {
  private active = 0;
  private lastProgress: number;
  private timer: NodeJS.Timeout | undefined;

  /** Time is the clock's monotonic one: a wall clock stepped back or forth neither stalls
   *  nor prolongs a pull. The interval only decides when to look. */
  constructor(private readonly timeoutMs: number, private readonly onStall: (err: PullStalled) => void, private readonly clock: Clock) {
    this.lastProgress = clock.monotonic();
    if (timeoutMs > 0) {
      this.timer = setInterval(() => this.check(), Math.min(CHECK_INTERVAL_MS, timeoutMs / 2));
      this.timer.unref();
    }
  }

  /** A request was sent; the returned function ends it (calling it again does nothing). */
  begin(): () => void {
    if (this.active === 0) this.lastProgress = this.clock.monotonic();
    this.active++;
    let ended = false;
    return () => {
      if (!ended) this.active--;
      ended = true;
    };
  }

  received(bytes: number): void {
    if (bytes > 0) this.lastProgress = this.clock.monotonic();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = this.clock.monotonic();
    if (this.active === 0) {
      this.lastProgress = now;
      return;
    }
    if (now - this.lastProgress > this.timeoutMs) {
      this.stop();
      this.onStall(new PullStalled(this.timeoutMs));
    }
  }
}

/** At most `max` tasks at once, the rest in arrival order; a task whose signal has
 *  aborted by its turn does not run. */
export class Semaphore {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`concurrency limit must be a positive integer, not ${max}`);
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    try {
      signal?.throwIfAborted();
      return await task();
    } finally {
      // The slot passes to the next in line, or frees.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
