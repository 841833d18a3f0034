// The store's upkeep as `skiff server`'s flags set it: compaction every
// --etcd-compaction-interval (kube-apiserver's flag and default) and early past
// --storage-compaction-bytes in use, each round and each failure logged, since an operator
// otherwise cannot tell a compaction from a stall. Parsing lives here so the flags are
// checked (and tested) without starting a server.
import { parseGoDuration } from '../go-duration.js';
import type { CompactionReport, OpenStoreOptions } from '../store/index.js';

/** kube-apiserver's --etcd-compaction-interval default. */
export const DEFAULT_COMPACTION_INTERVAL = '5m';
/**
 * In-use bytes (data and history) past which a round runs early. etcd's nearest knob,
 * --quota-backend-bytes (2 GiB), refuses writes when reached; a node with 2 cores and a small
 * disk is better served by compacting well before: a round over 256 MiB takes about a second
 * of small yielding steps here.
 */
export const DEFAULT_COMPACTION_BYTES = '256Mi';
/** kube-apiserver's --event-ttl default. */
export const DEFAULT_EVENT_TTL = '1h';

const UNITS = new Map<string, number>([['', 1], ['Ki', 2 ** 10], ['Mi', 2 ** 20], ['Gi', 2 ** 30], ['k', 1e3], ['M', 1e6], ['G', 1e9]]);

/** A byte count, plain or with a Kubernetes quantity suffix (Ki, Mi, Gi, k, M, G). Throws Error on anything else. */
export function parseBytes(text: string): number {
  const m = /^(\d+)([A-Za-z]*)$/.exec(text.trim());
  const unit = m ? UNITS.get(m[2]!) : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes)) throw new Error(`invalid byte quantity ${JSON.stringify(text)}: expected e.g. 268435456, 256Mi or 1Gi`);
  return bytes;
}

/** A Go duration (`5m`, `1h30m`, `0`) as whole milliseconds. Throws Error (Go's wording) when malformed or negative. */
export function parseDurationMs(flag: string, text: string): number {
  const ns = parseGoDuration(text);
  if (ns < 0) throw new Error(`${flag} ${text}: must not be negative`);
  return Math.floor(ns / 1e6);
}

/**
 * --event-ttl in whole seconds, truncated as kube-apiserver's uint64(ttl.Seconds()); 0 (or
 * under a second) means Events never expire, as upstream, where a zero TTL takes no lease.
 */
export function parseEventTtl(text: string): number {
  return Math.floor(parseDurationMs('--event-ttl', text) / 1000);
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The log line of one compaction round. */
export function compactionLine(r: CompactionReport): string {
  return `storage compacted to revision ${r.revision} (${r.trigger}): ${r.removedRevisions} revisions removed, ` +
    `${mb(r.bytesBefore)} -> ${mb(r.bytesAfter)} on disk, ${Math.round(r.ms)} ms`;
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface StoreUpkeepFlags {
  compactionIntervalMs: number;
  /** 0: no size trigger. */
  compactionBytes: number;
}

/** openStore's compaction and sweep options, reporting to `log`. Never throws. */
export function storeUpkeep(flags: StoreUpkeepFlags, log: (msg: string) => void): Pick<OpenStoreOptions, 'autoCompact' | 'sweep'> {
  return {
    autoCompact: {
      intervalMs: flags.compactionIntervalMs,
      ...(flags.compactionBytes > 0 ? { maxDbBytes: flags.compactionBytes } : {}),
      onCompacted: (r) => log(compactionLine(r)),
      onError: (err) => log(`storage compaction failed (the next round tries again): ${reason(err)}`),
    },
    sweep: { onError: (err) => log(`expired keys sweep failed (the next sweep tries again): ${reason(err)}`) },
  };
}
