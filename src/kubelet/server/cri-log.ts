// The CRI log format and the kubelet's reading of it (upstream pkg/kubelet/kuberuntime/logs):
//   2016-10-06T00:17:09.669794202Z stdout P log content 1
//   2016-10-06T00:17:09.669794203Z stderr F log content 2
// one record per line; P is a partial line the next records continue, F ends it. Pure: bytes
// in, the bytes a client gets out, so tail/since/limit are tested without files.
import type { PodLogOptions } from '../../api/pod-log-options.js';

export interface LogMessage {
  /** Milliseconds since the epoch (the fraction below 1 ms cut: `since` is whole ms). */
  ms: number;
  /** As written upstream with timestamps=true: nine fraction digits, Z or ±hh:mm. */
  fixed: string;
  stream: 'stdout' | 'stderr';
  /** The content; a full line keeps its newline, a partial one has none. */
  log: Buffer;
}

/** What the reader does with the messages (upstream's LogOptions). */
export interface ReadOptions {
  /** Lines from the end; -1 for all. */
  tail: number;
  /** Bytes of output at most; -1 for no limit. */
  bytes: number;
  /** Messages stamped before this (ms) are skipped; -Infinity for none. */
  sinceMs: number;
  follow: boolean;
  timestamps: boolean;
}

/** As upstream's NewLogOptions: sinceSeconds counts back from now; the later of the two wins. */
export function readOptions(o: PodLogOptions, nowMs: number): ReadOptions {
  let sinceMs = -Infinity;
  if (o.sinceSeconds !== undefined) sinceMs = nowMs - o.sinceSeconds * 1000;
  if (o.sinceTime !== undefined) sinceMs = Math.max(sinceMs, Date.parse(o.sinceTime));
  return { tail: o.tailLines ?? -1, bytes: o.limitBytes ?? -1, sinceMs, follow: o.follow, timestamps: o.timestamps };
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/** One record (with or without its newline). Throws Error in upstream's words when it is not the CRI format. */
export function parseCriLine(line: Buffer): LogMessage {
  const a = line.indexOf(SPACE);
  if (a < 0) throw new Error('timestamp is not found');
  const stamp = line.subarray(0, a).toString('latin1');
  const m = STAMP.exec(stamp);
  const ms = m ? Date.parse(`${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new Error(`unexpected timestamp format "2006-01-02T15:04:05.999999999Z07:00": ${stamp}`);
  const b = line.indexOf(SPACE, a + 1);
  if (b < 0) throw new Error('stream type is not found');
  const stream = line.subarray(a + 1, b).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') throw new Error(`unexpected stream type "${stream}"`);
  const c = line.indexOf(SPACE, b + 1);
  if (c < 0) throw new Error('log tag is not found');
  // Tags are ':'-separated and only the first is known: forward compatible, as upstream.
  const partial = line.subarray(b + 1, c).toString('latin1').split(':')[0] === 'P';
  let log = line.subarray(c + 1);
  if (partial && log.length && log[log.length - 1] === NEWLINE) log = log.subarray(0, -1);
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3]!;
  return { ms, fixed: `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${zone}`, stream, log };
}

/**
 * Where the last n lines of data begin, as upstream's tail.FindTailLineStartIndex: just after
 * the (n+1)-th newline from the end (a final newline counts), or 0 when there are fewer. n < 0: 0.
 */
export function tailStart(data: Buffer, n: number): number {
  if (n < 0) return 0;
  let seen = 0;
  for (let i = data.length - 1; i >= 0; i--) {
    if (data[i] === NEWLINE && ++seen === n + 1) return i + 1;
  }
  return 0;
}

/** Output of one read: what to send (in order) and whether the reader is done. */
export interface Chunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/**
 * Turns records into output as upstream's logWriter: skips what is older than since, prefixes
 * timestamps, cuts at the byte limit and counts tailed lines when not following. Lines that
 * are not the CRI format are skipped (upstream logs and skips them).
 */
export class LogFilter {
  private remain: number;
  private lines: number;
  constructor(private readonly opts: ReadOptions) {
    this.remain = opts.bytes >= 0 ? opts.bytes : Infinity;
    // Upstream stops after `tail` records when not following (its limitedMode).
    this.lines = opts.tail >= 0 && !opts.follow ? opts.tail : Infinity;
  }

  /** True once nothing more may be written (byte limit reached, or the tailed lines written). */
  get done(): boolean {
    return this.remain <= 0 || this.lines <= 0;
  }

  /** The output of complete records in `data` (each ending with a newline, or the last one without when `atEnd`), and how many bytes were used. */
  take(data: Buffer, atEnd: boolean): { out: Chunk[]; used: number } {
    const out: Chunk[] = [];
    let pos = 0;
    while (pos < data.length && !this.done) {
      const nl = data.indexOf(NEWLINE, pos);
      if (nl < 0 && !atEnd) break;
      const end = nl < 0 ? data.length : nl + 1;
      const line = data.subarray(pos, end);
      pos = end;
      let msg: LogMessage;
      try {
        msg = parseCriLine(line);
      } catch {
        continue;
      }
      if (this.lines !== Infinity) this.lines--;
      if (msg.ms < this.opts.sinceMs) continue;
      let bytes = this.opts.timestamps ? Buffer.concat([Buffer.from(`${msg.fixed} `), msg.log]) : msg.log;
      if (bytes.length > this.remain) bytes = bytes.subarray(0, this.remain);
      this.remain -= bytes.length;
      if (bytes.length) out.push({ stream: msg.stream, data: bytes });
    }
    return { out, used: pos };
  }
}
