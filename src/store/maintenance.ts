// Background work on a local store (compaction, vacuum, checkpoints, TTL sweeps) runs in steps
// with a pause between two, so requests are served while it runs: SQLite is synchronous, and
// one long step holds the whole event loop (issue 19: 24 s without an answer under churn).

export type MaintenancePhase = 'delete' | 'vacuum' | 'checkpoint' | 'sweep';

export interface MaintenanceStep {
  phase: MaintenancePhase;
  /** Steps of this phase done so far in this run, from 1. */
  n: number;
}

export interface MaintenanceOptions {
  /** Revisions compacted per transaction (default 200). */
  chunkRevisions?: number;
  /** Free pages returned to the file system per incremental_vacuum step (default 512: 2 MiB). */
  vacuumPages?: number;
  /** Expired keys deleted per sweep step (default 256). */
  sweepBatch?: number;
  /**
   * Awaited after each step. The default waits for one turn of the event loop (setImmediate),
   * which lets pending I/O callbacks (requests) run; tests inject their own to see the steps.
   */
  pause?: (step: MaintenanceStep) => Promise<void>;
}

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function maintenanceDefaults(opts: MaintenanceOptions = {}): Required<MaintenanceOptions> {
  return {
    chunkRevisions: opts.chunkRevisions ?? 200,
    vacuumPages: opts.vacuumPages ?? 512,
    sweepBatch: opts.sweepBatch ?? 256,
    pause: opts.pause ?? nextTurn,
  };
}
