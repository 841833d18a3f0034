// Every multi-step mutation keeps an undo stack: each step that changed the world pushes how to
// take it back, and a failure unwinds the stack newest first. One shape for the CNI bridge, the
// CRI sandbox and the kubelet, so "what happens when step 4 of 6 fails" reads the same everywhere.

export type UndoLog = (what: string, err: Error) => void;

export class Rollback {
  readonly #steps: { what: string; undo: () => unknown }[] = [];

  /** Records how to take back a step that has just succeeded. */
  push(what: string, undo: () => unknown): void {
    this.#steps.push({ what, undo });
  }

  /** The steps recorded so far, oldest first (for messages and tests). */
  get pending(): readonly string[] {
    return this.#steps.map((s) => s.what);
  }

  /**
   * Runs every undo step, newest first, and forgets them. Never rejects: an undo that fails is
   * reported to log and the next one still runs, because the caller is already failing with
   * the error that matters and a half-unwound stack would leak more than one failed step does.
   */
  async unwind(log: UndoLog): Promise<void> {
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step.undo();
      } catch (err) {
        log(step.what, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /**
   * Runs work with a fresh stack: on success the stack is dropped, on failure it is unwound and
   * the original error rethrown.
   */
  static async run<T>(log: UndoLog, work: (rb: Rollback) => Promise<T>): Promise<T> {
    const rb = new Rollback();
    try {
      return await work(rb);
    } catch (err) {
      await rb.unwind(log);
      throw err;
    }
  }
}
