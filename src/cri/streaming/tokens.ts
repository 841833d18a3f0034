// Single-use tokens for streaming requests, as the kubelet's request cache: the Exec/Attach/
// PortForward RPC stores its request under a random token and returns a URL naming it; the
// first connection to that URL takes the request out. Tokens live one minute and at most 1000
// wait at once, so an RPC caller cannot make the runtime hold requests without bound.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../host/clock.js';
import { CriError } from '../errors.js';

export const TOKEN_TTL_MS = 60_000;
export const MAX_IN_FLIGHT = 1000;

export class RequestCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();

  constructor(private readonly clock: Clock, private readonly ttlMs = TOKEN_TTL_MS, private readonly max = MAX_IN_FLIGHT) {}

  /** Stores value under a fresh token (11 URL-safe characters). Throws
   *  CriError('resourceExhausted') when max unexpired requests are waiting. */
  insert(value: T): string {
    this.sweep();
    if (this.entries.size >= this.max) throw new CriError('resourceExhausted', 'maximum number of in-flight requests exceeded');
    let token: string;
    do token = randomBytes(8).toString('base64url');
    while (this.entries.has(token));
    this.entries.set(token, { value, expires: this.clock.now() + this.ttlMs });
    return token;
  }

  /** Takes the request out; undefined if the token is unknown, used or expired. */
  consume(token: string): T | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    this.entries.delete(token);
    return this.clock.now() < e.expires ? e.value : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (now >= e.expires) this.entries.delete(k);
  }
}
