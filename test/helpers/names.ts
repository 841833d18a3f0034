import { randomBytes } from 'node:crypto';

/** A short name unique across parallel runs and workers: 'sk' + 6 hex + suffix (fits IFNAMSIZ). */
export function uniq(suffix = ''): string {
  return `sk${randomBytes(3).toString('hex')}${suffix}`;
}

/** Polls until fn stops throwing (the kernel tears some things down asynchronously). */
export async function eventually<T>(fn: () => Promise<T> | T, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

export const isRoot = process.getuid?.() === 0;
