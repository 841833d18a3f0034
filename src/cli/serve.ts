// The one shape of every long-running role (skiff cri, cni-server, server): start, say where it
// serves, wait for SIGTERM or SIGINT, close what was started in the order given, and report an
// exit status. As k8s.io/apiserver's SetupSignalContext: the first signal begins a graceful
// shutdown, a second one exits at once with status 1, so a close that hangs never makes the
// process deaf to Ctrl-C.

/** One thing a role started, closed on shutdown. close() may reject; the rest still close. */
export interface Closer {
  readonly name: string;
  close(): Promise<void>;
}

export interface Serving {
  /** Where the role serves, as its log line says after "serving on". */
  readonly on: string;
  /** Closed one after the other in this order: what takes requests before what they use. */
  readonly closers: readonly Closer[];
}

/** The process as this module uses it; tests pass an EventEmitter and a recording exit. */
export interface ServeIo {
  readonly signals: {
    on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
    off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  };
  /** Ends the process now (the second signal). */
  exit(code: number): void;
  log(line: string): void;
}

const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

const processIo: ServeIo = {
  signals: process,
  exit: (code) => process.exit(code),
  log: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs start, logs `<role>: serving on <where>`, waits for the first shutdown signal and closes
 * the closers in order. Resolves with the exit status: 0 when every close succeeded, 1 when one
 * failed (each failure is logged). Rejects with start's error, after which nothing is listened
 * for any more. The signals are caught from before start, so one sent while the role starts
 * shuts it down once it has started instead of killing it half-way.
 */
export async function serveUntilSignal(role: string, start: () => Promise<Serving>, io: ServeIo = processIo): Promise<number> {
  let first: NodeJS.Signals | undefined;
  let signalled: (signal: NodeJS.Signals) => void = () => undefined;
  const stopping = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal;
      signalled(signal);
      return;
    }
    io.log(`${role}: ${signal} during shutdown, exiting at once`);
    io.exit(1);
  };
  for (const s of SHUTDOWN_SIGNALS) io.signals.on(s, onSignal);
  try {
    const serving = await start();
    io.log(`${role}: serving on ${serving.on}`);
    const signal = await stopping;
    io.log(`${role}: ${signal}, shutting down`);
    const failed = await closeInOrder(role, serving.closers, io.log);
    io.log(`${role}: ${failed ? 'stopped, not cleanly' : 'stopped'}`);
    return failed ? 1 : 0;
  } finally {
    for (const s of SHUTDOWN_SIGNALS) io.signals.off(s, onSignal);
  }
}

/** Closes each in turn, even after one fails; true when any failed. */
async function closeInOrder(role: string, closers: readonly Closer[], log: (line: string) => void): Promise<boolean> {
  let failed = false;
  for (const c of closers) {
    try {
      await c.close();
    } catch (err) {
      failed = true;
      log(`${role}: closing ${c.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failed;
}
