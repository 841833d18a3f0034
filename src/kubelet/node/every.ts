// A periodic task on injected Timers: run now, then every interval; after a failure, sooner,
// backing off (upstream's lease controller retries 200 ms doubling to 7 s before its next
// period). One run at a time; stop() waits for the run in flight.
import type { Timers } from '../../client/timers.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface Periodic {
  /** Runs now unless a run is in flight (then once more right after it). */
  kick(): void;
  stop(): Promise<void>;
}

export function every(timers: Timers, intervalMs: number, run: () => Promise<void>, onError: (err: unknown) => void, backoff?: Backoff): Periodic {
  let cancel: (() => void) | undefined;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let delay = backoff?.initialMs ?? intervalMs;

  const schedule = (ms: number) => {
    cancel?.();
    cancel = timers.after(ms, kick);
  };
  function kick(): void {
    if (stopped) return;
    if (inFlight) {
      again = true;
      return;
    }
    cancel?.();
    cancel = undefined;
    inFlight = run().then(
      () => {
        delay = backoff?.initialMs ?? intervalMs;
        return intervalMs;
      },
      (err: unknown) => {
        onError(err);
        if (!backoff) return intervalMs;
        const wait = delay;
        delay = Math.min(delay * 2, backoff.maxMs);
        return wait;
      },
    ).then((next) => {
      inFlight = undefined;
      if (stopped) return;
      if (again) {
        again = false;
        kick();
      } else {
        schedule(next);
      }
    });
  }
  kick();
  return {
    kick,
    async stop() {
      stopped = true;
      cancel?.();
      await inFlight;
    },
  };
}
