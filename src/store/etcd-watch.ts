import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import { fromEtcd } from './etcd-errors.js';
import { StoreError, type KeyValue, type WatchEvent } from './types.js';

// etcd watch as an async iterable. The etcd3 client silently re-subscribes after a
// disconnect from a revision it guesses; we end the watch with 'unavailable' instead, so the
// caller resumes from the last revision it really saw. A canceled watch is classified by
// reading at the start revision: etcd refuses that read exactly when history is compacted.

export interface EtcdWatchOptions {
  client: Etcd3;
  start: Buffer;
  end: Buffer;
  after: number;
  signal: AbortSignal;
  toKv(kv: IKeyValue): KeyValue;
  toKey(key: Buffer): string;
}

function toEvent(o: EtcdWatchOptions, ev: IWatchResponse['events'][number]): WatchEvent {
  const prev = ev.prev_kv ? o.toKv(ev.prev_kv) : undefined;
  if (ev.type === 'Delete') return { type: 'delete', key: o.toKey(ev.kv.key), revision: Number(ev.kv.mod_revision), prev: prev! };
  return prev ? { type: 'put', kv: o.toKv(ev.kv), prev } : { type: 'put', kv: o.toKv(ev.kv) };
}

/** Why etcd canceled a watch from o.after: 'compacted' when it is, else 'unavailable'. */
async function classify(o: EtcdWatchOptions, err: unknown): Promise<StoreError> {
  try {
    await o.client.kv.range({ key: o.start, revision: o.after + 1, count_only: true });
  } catch (probe) {
    const mapped = fromEtcd(probe, o.after);
    if (mapped.kind === 'compacted') return mapped;
  }
  return fromEtcd(err);
}

export async function* watchEtcd(o: EtcdWatchOptions): AsyncGenerator<WatchEvent> {
  const queue: WatchEvent[] = [];
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let watcher: Watcher | undefined;
  // etcd already dropped a watch it canceled (compacted): a cancel request for it would come
  // back for an id the etcd3 client no longer knows, which it throws uncaught (a crash).
  let canceledByEtcd = false;
  o.signal.addEventListener('abort', notify);
  try {
    try {
      watcher = await o.client.watch().inRange({ start: o.start, end: o.end }).startRevision(String(o.after + 1)).withPreviousKV().create();
    } catch (err) {
      throw await classify(o, err);
    }
    watcher
      .on('data', (res: IWatchResponse) => {
        for (const ev of res.events) queue.push(toEvent(o, ev));
        notify();
      })
      .on('disconnected', (err: unknown) => {
        failure ??= fromEtcd(err);
        notify();
      })
      .on('error', (err: unknown) => {
        canceledByEtcd = true;
        failure ??= err;
        notify();
      });
    while (!o.signal.aborted) {
      const ev = queue.shift();
      if (ev) {
        yield ev;
        continue;
      }
      if (failure) throw await classify(o, failure);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    o.signal.removeEventListener('abort', notify);
    if (!canceledByEtcd) await watcher?.cancel().catch(() => {});
  }
}
