// One change in the watch cache, held as the stored bytes only (issue 19: the decoded object
// and the raw new and previous values together were ~35 KB per 8.8 KB object). The decoded
// object is kept through a WeakRef: watchers reading an event at about the same time share one
// decode, and the garbage collector takes it back once nobody is sending it. The previous
// value, when the cache holds the write that made it, is that write's Buffer (no copy).
import type { KeyValue, WatchEvent } from '../../store/types.js';
import { decode, type Obj } from './codec.js';

/** What an event costs besides its bytes (the event itself, its key, the sequence slot). */
const EVENT_OVERHEAD = 256;

/** `value` in a Buffer of its own: a view into a larger one (a gRPC message) would keep all of it alive. */
const owned = (value: Buffer): Buffer => (value.byteOffset === 0 && value.buffer.byteLength === value.length ? value : Buffer.from(value));

/** A change of the resource type, shared (read-only) by every watcher. */
export class CachedEvent {
  /** Bytes this event keeps alive (its value, a previous value of its own, overhead). */
  charge: number;
  /** The next cached write of the same key, which took `value` as its previous value. */
  successor: CachedEvent | undefined;
  private decoded: WeakRef<Obj> | undefined;
  private prevDecoded: WeakRef<Obj> | undefined;

  private constructor(
    readonly type: 'put' | 'delete',
    readonly key: string,
    readonly revision: number,
    /** put: the key did not exist before this write. */
    readonly created: boolean,
    /** put: the new value; delete: the last state (undefined: the backend did not keep it). */
    readonly value: Buffer | undefined,
    private readonly prevValue: { value: Buffer; revision: number } | undefined,
    private readonly tombstoneObject: Obj | undefined,
  ) {
    this.charge = EVENT_OVERHEAD + key.length * 2;
  }

  /**
   * The cached form of a store event; the previous value is `before`'s Buffer when `before`
   * (the latest cached event of the key) wrote it. Undefined for a deletion without its last
   * state and no `tombstone`. Throws ApiError 500 on corrupt bytes (decoded once here).
   */
  static of(ev: WatchEvent, before: CachedEvent | undefined, tombstone?: (key: string, revision: number) => Obj): CachedEvent | undefined {
    const prev = ev.prev;
    const shared = prev && before?.type === 'put' && before.revision === prev.modRevision ? before : undefined;
    const prevValue = prev && { value: shared?.value ?? owned(prev.value), revision: prev.modRevision };
    let out: CachedEvent;
    if (ev.type === 'put') {
      out = new CachedEvent('put', ev.kv.key, ev.kv.modRevision, ev.kv.createRevision === ev.kv.modRevision, owned(ev.kv.value), prevValue, undefined);
      out.charge += out.value!.length + (prevValue && !shared ? prevValue.value.length : 0);
    } else if (prevValue) {
      // The deletion's object is the last state with the deletion's resourceVersion.
      out = new CachedEvent('delete', ev.key, ev.revision, false, prevValue.value, undefined, undefined);
      if (!shared) out.charge += prevValue.value.length;
    } else {
      if (!tombstone) return undefined;
      out = new CachedEvent('delete', ev.key, ev.revision, false, undefined, undefined, tombstone(ev.key, ev.revision));
    }
    if (shared) shared.successor = out;
    out.decoded = new WeakRef(out.decode());
    return out;
  }

  /** put: the new object; delete: the last state, with the deletion's resourceVersion. Throws ApiError 500 on corrupt bytes. */
  get object(): Obj {
    const known = this.decoded?.deref();
    if (known) return known;
    const obj = this.decode();
    this.decoded = new WeakRef(obj);
    return obj;
  }

  /** put: the previous object, if the store gave it (only selector watchers need it). Throws ApiError 500 on corrupt bytes. */
  prev(): Obj | undefined {
    if (!this.prevValue) return undefined;
    const known = this.prevDecoded?.deref();
    if (known) return known;
    const obj = decode(this.kv(this.prevValue.value, this.prevValue.revision));
    this.prevDecoded = new WeakRef(obj);
    return obj;
  }

  private decode(): Obj {
    return this.value ? decode(this.kv(this.value, this.revision)) : this.tombstoneObject!;
  }

  private kv(value: Buffer, revision: number): KeyValue {
    return { key: this.key, value, createRevision: 0, modRevision: revision };
  }
}
