// One change in the watch cache, held as the stored bytes only (issue 19: the decoded object
// and the raw new and previous values together were ~35 KB per 8.8 KB object). The decoded
// object is kept until the end of the event-loop turn (turn-hold.ts): watchers woken by the
// event share one decode, and nothing keeps it afterwards. The previous value, when the cache
// holds the write that made it, is that write's Buffer (no copy).
import type { KeyValue, WatchEvent } from '../../store/types.js';
import { decode, type Obj } from './codec.js';
import type { Droppable, TurnHold } from './turn-hold.js';

/** What an event costs besides its bytes (the event itself, its key, the sequence slot). */
const EVENT_OVERHEAD = 256;

/** `value` in a Buffer of its own: a view into a larger one (a gRPC message) would keep all of it alive. */
const owned = (value: Buffer): Buffer => (value.byteOffset === 0 && value.buffer.byteLength === value.length ? value : Buffer.from(value));

/** A change of the resource type, shared (read-only) by every watcher. */
export class CachedEvent implements Droppable {
  /** Bytes this event keeps alive (its value, a previous value of its own, overhead). */
  charge: number;
  /** The next cached write of the same key, which took `value` as its previous value. */
  successor: CachedEvent | undefined;
  private decoded: Obj | undefined;
  private prevDecoded: Obj | undefined;

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
    private readonly hold: TurnHold,
  ) {
    this.charge = EVENT_OVERHEAD + key.length * 2;
  }

  /**
   * The cached form of a store event; the previous value is `before`'s Buffer when `before`
   * (the latest cached event of the key) wrote it. Undefined for a deletion without its last
   * state and no `tombstone`. Throws ApiError 500 on corrupt bytes (decoded once here).
   */
  static of(ev: WatchEvent, before: CachedEvent | undefined, hold: TurnHold, tombstone?: (key: string, revision: number) => Obj): CachedEvent | undefined {
    const prev = ev.prev;
    const shared = prev && before?.type === 'put' && before.revision === prev.modRevision ? before : undefined;
    const prevValue = prev && { value: shared?.value ?? owned(prev.value), revision: prev.modRevision };
    let out: CachedEvent;
    if (ev.type === 'put') {
      out = new CachedEvent('put', ev.kv.key, ev.kv.modRevision, ev.kv.createRevision === ev.kv.modRevision, owned(ev.kv.value), prevValue, undefined, hold);
      out.charge += out.value!.length + (prevValue && !shared ? prevValue.value.length : 0);
    } else if (prevValue) {
      // The deletion's object is the last state with the deletion's resourceVersion.
      out = new CachedEvent('delete', ev.key, ev.revision, false, prevValue.value, undefined, undefined, hold);
      if (!shared) out.charge += prevValue.value.length;
    } else {
      if (!tombstone) return undefined;
      out = new CachedEvent('delete', ev.key, ev.revision, false, undefined, undefined, tombstone(ev.key, ev.revision), hold);
    }
    if (shared) shared.successor = out;
    // Decoded once now: corrupt bytes fail here, and the watchers this event wakes use it.
    void out.object;
    return out;
  }

  /** put: the new object; delete: the last state, with the deletion's resourceVersion. Throws ApiError 500 on corrupt bytes. */
  get object(): Obj {
    if (!this.decoded) {
      this.decoded = this.decode();
      this.hold.keep(this);
    }
    return this.decoded;
  }

  /** put: the previous object, if the store gave it (only selector watchers need it). Throws ApiError 500 on corrupt bytes. */
  prev(): Obj | undefined {
    if (!this.prevValue) return undefined;
    if (!this.prevDecoded) {
      this.prevDecoded = decode(this.kv(this.prevValue.value, this.prevValue.revision));
      this.hold.keep(this);
    }
    return this.prevDecoded;
  }

  /** Lets go of the decoded objects (the turn that decoded them is over). */
  drop(): void {
    this.decoded = undefined;
    this.prevDecoded = undefined;
  }

  private decode(): Obj {
    return this.value ? decode(this.kv(this.value, this.revision)) : this.tombstoneObject!;
  }

  private kv(value: Buffer, revision: number): KeyValue {
    return { key: this.key, value, createRevision: 0, modRevision: revision };
  }
}
