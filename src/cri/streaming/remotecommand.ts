// exec and attach over either transport. The transport part (which streams exist, how the
// final status is written) is gathered into RemoteCommandIo by spdyRemoteCommandIo or
// wsRemoteCommandIo; runRemoteCommand then calls the backend and reports its outcome.
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { WebSocket } from 'ws';
import type { SpdySession, SpdyStream } from './spdy/session.js';
import { internalError, nonZeroExit, success, type Status } from './status.js';
import { ChannelConnection, type ChannelKind } from './websocket.js';

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** What the backend gets: the requested streams, and resize events when tty. */
export interface CommandIo {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  resize?: AsyncIterable<TerminalSize>;
}

export interface RemoteCommandIo {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  resize?: Readable;
  writeStatus(s: Status): Promise<void>;
  close(): void;
}

// Newest first: the order we prefer when a client offers several (client order wins, as in
// apimachinery's negotiation, but this is the server's list).
export const SPDY_REMOTECOMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io'];
export const WS_REMOTECOMMAND_PROTOCOLS = [
  'v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io', '',
];

const STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4;

/**
 * Runs call (the backend's exec or attach) with io and writes its outcome to the error
 * stream: Success, NonZeroExitCode with the code, or InternalError when call rejects. Then
 * closes the connection. Never rejects.
 */
export async function runRemoteCommand(io: RemoteCommandIo, tty: boolean, cmd: readonly string[], call: (io: CommandIo) => Promise<number | void>): Promise<void> {
  let status: Status;
  try {
    const code = await call({
      ...(io.stdin && { stdin: io.stdin }),
      ...(io.stdout && { stdout: io.stdout }),
      ...(io.stderr && { stderr: io.stderr }),
      tty,
      ...(tty && io.resize && { resize: resizeEvents(io.resize) }),
    });
    status = typeof code === 'number' && code !== 0 ? nonZeroExit(code, cmd) : success();
  } catch (err) {
    status = internalError(err);
  }
  // Output the backend wrote must reach the client before the status that ends the session.
  await Promise.all([io.stdout, io.stderr].map((w) => (w ? endAndWait(w) : undefined)));
  await io.writeStatus(status).catch(() => undefined);
  io.close();
  io.stdin?.resume(); // drain what the client still sends; nobody reads it now
}

async function endAndWait(w: Writable): Promise<void> {
  if (!w.writableEnded) w.end();
  await finished(w, { readable: false }).catch(() => undefined);
}

/**
 * Terminal sizes from a resize stream: JSON objects {"Width":w,"Height":h} back to back
 * (client-go writes them with a json.Encoder). Ends with the stream or at the first value
 * that is not such an object, as the kubelet stops decoding there.
 */
export async function* resizeEvents(r: Readable): AsyncGenerator<TerminalSize> {
  let buf = '';
  for await (const chunk of r) {
    buf += chunk.toString();
    for (;;) {
      const start = buf.search(/\S/);
      if (start < 0) {
        buf = '';
        break;
      }
      const end = objectEnd(buf, start);
      if (end < 0) {
        buf = buf.slice(start);
        break;
      }
      let v: unknown;
      try {
        v = JSON.parse(buf.slice(start, end));
      } catch {
        return;
      }
      buf = buf.slice(end);
      const o = v as { Width?: unknown; Height?: unknown };
      if (typeof o !== 'object' || o === null) return;
      yield { width: Number(o.Width ?? 0), height: Number(o.Height ?? 0) };
    }
  }
}

/** Index just past the JSON object starting at `start`; -1 if incomplete; start+1 if not an object. */
function objectEnd(s: string, start: number): number {
  if (s[start] !== '{') return start + 1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Waits for the streams a SPDY client creates for one exec/attach (error, then stdin, stdout,
 * stderr, resize as requested; each identified by its streamtype header) and replies to each,
 * as the kubelet does. Rejects after timeoutMs if some never come, or when the session ends.
 */
export function spdyRemoteCommandIo(session: SpdySession, protocol: string, opts: StreamOptions, timeoutMs: number): Promise<RemoteCommandIo> {
  const resizable = protocol !== 'v2.channel.k8s.io';
  const wanted = new Set(['error', ...(opts.stdin ? ['stdin'] : []), ...(opts.stdout ? ['stdout'] : []), ...(opts.stderr ? ['stderr'] : []), ...(opts.tty && resizable ? ['resize'] : [])]);
  const got = new Map<string, SpdyStream>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('timed out waiting for client to create streams')), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      reject(err);
    };
    const onClose = () => fail(new Error('connection closed before all streams were created'));
    const onStream = (s: SpdyStream) => {
      s.reply();
      const type = s.headers['streamtype'] ?? '';
      if (!wanted.has(type) || got.has(type)) return; // the kubelet logs and ignores these
      got.set(type, s);
      if (got.size < wanted.size) return;
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      const error = got.get('error')!;
      resolve({
        ...(got.get('stdin') && { stdin: got.get('stdin') }),
        ...(got.get('stdout') && { stdout: got.get('stdout') }),
        ...(got.get('stderr') && { stderr: got.get('stderr') }),
        ...(got.get('resize') && { resize: got.get('resize') }),
        writeStatus: (st) => writeThenEnd(error, statusBytes(protocol, st)),
        close: () => session.close(),
      });
    };
    session.on('stream', onStream);
    session.once('close', onClose);
  });
}

/** The channels of a WebSocket exec/attach, with kubelet's "connected" signal: an empty
 *  frame on the first writable channel. */
export function wsRemoteCommandIo(ws: WebSocket, protocol: string, opts: StreamOptions): RemoteCommandIo {
  const kinds: ChannelKind[] = [opts.stdin ? 'read' : 'ignore', opts.stdout ? 'write' : 'ignore', opts.stderr ? 'write' : 'ignore', 'write', 'read'];
  const conn = new ChannelConnection(ws, kinds, wsCodec(protocol));
  void conn.send(opts.stdout ? STDOUT : opts.stderr ? STDERR : ERROR, Buffer.alloc(0));
  return {
    ...(opts.stdin && { stdin: conn.readers[STDIN] }),
    ...(opts.stdout && { stdout: conn.writers[STDOUT] }),
    ...(opts.stderr && { stderr: conn.writers[STDERR] }),
    resize: conn.readers[RESIZE]!,
    writeStatus: async (st) => {
      const bytes = statusBytes(protocol, st);
      if (bytes.length) await conn.send(ERROR, bytes);
    },
    close: () => conn.close(),
  };
}

export function wsCodec(protocol: string): { base64: boolean; closeSignal: boolean } {
  return { base64: protocol.includes('base64'), closeSignal: protocol === 'v5.channel.k8s.io' };
}

/** v4 and v5 carry the Status as JSON; older protocols only a failure's message as text. */
function statusBytes(protocol: string, st: Status): Buffer {
  if (protocol.startsWith('v4.') || protocol.startsWith('v5.')) return Buffer.from(JSON.stringify(st));
  return st.status === 'Success' ? Buffer.alloc(0) : Buffer.from(st.message ?? 'error');
}

function writeThenEnd(w: Writable, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (data.length) w.write(data);
    w.end(() => resolve());
  });
}
