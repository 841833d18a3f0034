import type { Clock } from '../host/clock.js';

// TTL writes on etcd, as kube-apiserver does them (storage/etcd3 lease_manager.go): granting a
// lease per Event would cost etcd a lease each, so writes share the previous lease while it
// still covers their TTL and does not outlive it by more than a reuse window. A lease is
// granted for ttl + that window: min(60 s, 5% of the TTL, whole seconds), so a 1 h Event TTL
// shares one lease per minute and a key lives between ttl and ttl + 60 s.

const REUSE_SECONDS = 60;
const REUSE_FRACTION = 0.05;

export class LeaseBuckets {
  private prev: { id: string; expiresMs: number } | undefined;
  private granting: Promise<unknown> = Promise.resolve();

  constructor(private readonly clock: Clock, private readonly grant: (ttlSeconds: number) => Promise<string>) {}

  /** A lease ID covering ttlSeconds from now; rejects with the grant's error. */
  lease(ttlSeconds: number): Promise<string> {
    // One grant at a time, so a burst of Events shares the first grant instead of racing for many.
    const next = this.granting.then(() => this.leaseNow(Math.ceil(ttlSeconds)));
    this.granting = next.catch(() => {});
    return next;
  }

  private async leaseNow(ttl: number): Promise<string> {
    const now = this.clock.now();
    const reuse = Math.min(REUSE_SECONDS, Math.floor(ttl * REUSE_FRACTION));
    const prev = this.prev;
    if (prev && now + ttl * 1000 < prev.expiresMs && now + (ttl + reuse) * 1000 >= prev.expiresMs) return prev.id;
    const id = await this.grant(ttl + reuse);
    this.prev = { id, expiresMs: now + (ttl + reuse) * 1000 };
    return id;
  }
}
