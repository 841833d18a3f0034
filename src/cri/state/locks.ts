/**
 * One operation at a time per key (a sandbox or container id): Stop and Remove racing on one
 * pod would otherwise both tear it down. Waiters run in arrival order; keys are forgotten
 * when idle so the map does not grow with every id ever seen.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
