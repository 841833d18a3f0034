import { Etcd3, type IKeyValue, type IRangeRequest, type IRequestOp } from 'etcd3';
import { systemClock, type Clock } from '../host/clock.js';
import { startAutoCompaction, type AutoCompaction } from './compactor.js';
import { checkValue, errors, expiryOf } from './keys.js';
import { bytePrefixEnd, fromEtcd } from './etcd-errors.js';
import { LeaseBuckets } from './etcd-leases.js';
import { watchEtcd } from './etcd-watch.js';
import type { KeyValue, ListOptions, ListResult, Store, StoreStats, WatchEvent, WriteOptions } from './types.js';

// The distributed backend: etcd 3 through the etcd3 client. The contract is etcd's own model,
// so each operation is one RPC: create and update are transactions comparing create/mod
// revision, failures read the current value in the same transaction (for details.current).

export interface EtcdStoreOptions {
  endpoints: string[];
  /** Prepended to every key in etcd (so several clusters can share one etcd); default ''. */
  prefix?: string;
  /** Periodic compaction as kube-apiserver does it; false turns it off. Default: on, every 5 minutes. */
  autoCompact?: AutoCompaction | false;
  /** Decides when a TTL write may share the previous lease (default: the system clock); etcd itself expires the keys. */
  clock?: Clock;
}

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly prefix: Buffer;
  private readonly stopCompaction: () => void;
  private readonly leases: LeaseBuckets;
  private closed = false;
  private compactedTo = 0;

  /** Connects lazily: an unreachable etcd shows as 'unavailable' on the first call. */
  constructor(opts: EtcdStoreOptions) {
    this.client = new Etcd3({
      hosts: opts.endpoints,
      // Pages of large objects (1.5 MiB each) are far over gRPC's 4 MiB default.
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
    });
    this.prefix = Buffer.from(opts.prefix ?? '');
    this.leases = new LeaseBuckets(opts.clock ?? systemClock, async (ttl) => (await this.call(() => this.client.leaseClient.leaseGrant({ TTL: ttl, ID: 0 }))).ID);
    this.stopCompaction = opts.autoCompact === false ? () => {} : startAutoCompaction(this, opts.autoCompact);
  }

  async revision(): Promise<number> {
    // Any range carries the revision in its header; etcd refuses an empty key (prefix ''), so read one key.
    const res = await this.call(() => this.client.kv.range({ key: Buffer.concat([this.prefix, Buffer.from([0])]), count_only: true }));
    return Number(res.header.revision);
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: this.full(key), revision: revision ?? 0 }), revision);
    return res.kvs[0] && this.toKv(res.kvs[0]);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const from = this.full(prefix);
    const after = opts.after === undefined ? undefined : Buffer.concat([this.full(opts.after), Buffer.from([0])]);
    const req: IRangeRequest = {
      key: after && Buffer.compare(after, from) > 0 ? after : from,
      range_end: bytePrefixEnd(from),
      revision: opts.revision ?? 0,
      limit: opts.limit ?? 0,
    };
    const res = await this.call(() => this.client.kv.range(req), opts.revision);
    const items = res.kvs.map((kv) => this.toKv(kv));
    // etcd's header carries the current revision even for a read in the past.
    return { items, revision: opts.revision || Number(res.header.revision), remaining: Number(res.count) - items.length };
  }

  async count(prefix: string): Promise<number> {
    const from = this.full(prefix);
    return Number((await this.call(() => this.client.kv.range({ key: from, range_end: bytePrefixEnd(from), count_only: true }))).count);
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<number> {
    checkValue(key, value);
    const k = this.full(key);
    const lease = await this.leaseFor(opts);
    const res = await this.txn([{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }], { request_put: { key: k, value, lease } }, k);
    if (!res.ok) throw errors.exists(key, res.current!);
    return res.revision;
  }

  async update(key: string, value: Buffer, expected: number, opts?: WriteOptions): Promise<number> {
    checkValue(key, value);
    const k = this.full(key);
    // Lease 0 detaches the key from any earlier lease: as on SQLite, each write sets or clears the TTL.
    const lease = await this.leaseFor(opts);
    const res = await this.txn([{ key: k, target: 'Mod', result: 'Equal', mod_revision: expected }], { request_put: { key: k, value, lease } }, k);
    if (!res.ok) throw res.current ? errors.conflict(key, expected, res.current) : errors.notFound(key);
    return res.revision;
  }

  async delete(key: string, expected?: number): Promise<{ revision: number; prev: KeyValue }> {
    const k = this.full(key);
    const op: IRequestOp = { request_delete_range: { key: k, prev_kv: true } };
    const compare = expected === undefined
      ? { key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 }
      : { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expected };
    const res = await this.txn([compare], op, k);
    if (!res.ok) throw res.current ? errors.conflict(key, expected!, res.current) : errors.notFound(key);
    const prev = res.deleted;
    if (!prev) throw errors.notFound(key);
    return { revision: res.revision, prev };
  }

  watch(prefix: string, after: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    const from = this.full(prefix);
    return watchEtcd({
      client: this.client,
      start: from,
      end: bytePrefixEnd(from),
      after,
      signal,
      toKv: (kv) => this.toKv(kv),
      toKey: (key) => key.subarray(this.prefix.length).toString(),
    });
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.call(() => this.client.kv.compact({ revision, physical: true }), revision);
      this.compactedTo = Math.max(this.compactedTo, revision);
    } catch (err) {
      // Compacting to a revision at or below the compaction point is a no-op, as in the contract.
      if ((err as { kind?: string }).kind !== 'compacted') throw err;
    }
  }

  /**
   * etcd's own sizes (the member answering): its db file as allocated and as in use (etcd only
   * gives space back on defragmentation). etcd does not report its compaction point: this is
   * the latest one this client asked for.
   */
  async stats(): Promise<StoreStats> {
    const status = await this.call(() => this.client.maintenance.status());
    return { dbBytes: Number(status.dbSize), inUseBytes: Number(status.dbSizeInUse || status.dbSize), revision: Number(status.header.revision), compactRevision: this.compactedTo };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopCompaction();
    this.client.close();
  }

  /** One transaction: `op` when compare holds, else a read of `key` for details.current. */
  private async txn(compare: NonNullable<Parameters<Etcd3['kv']['txn']>[0]['compare']>, op: IRequestOp, key: Buffer) {
    const res = await this.call(() => this.client.kv.txn({ compare, success: [op], failure: [{ request_range: { key } }] }));
    const revision = Number(res.header.revision);
    if (!res.succeeded) {
      const kv = res.responses[0]?.response_range?.kvs[0];
      return { ok: false as const, revision, current: kv && this.toKv(kv) };
    }
    const deleted = res.responses[0]?.response_delete_range?.prev_kvs[0];
    return { ok: true as const, revision, deleted: deleted && this.toKv(deleted) };
  }

  private async call<T>(fn: () => Promise<T>, revision?: number): Promise<T> {
    if (this.closed) throw errors.closed();
    try {
      return await fn();
    } catch (err) {
      throw fromEtcd(err, revision);
    }
  }

  private async leaseFor(opts: WriteOptions | undefined): Promise<string> {
    if (opts?.ttlSeconds === undefined) return '0';
    expiryOf(opts, 0); // refuses a bad TTL before asking etcd
    return this.leases.lease(opts.ttlSeconds);
  }

  private full(key: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(key)]);
  }

  private toKv(kv: IKeyValue): KeyValue {
    return { key: kv.key.subarray(this.prefix.length).toString(), value: kv.value, createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) };
  }
}
