// One SPDY/3.1 session over a byte stream (the socket after HTTP Upgrade), for either end.
// Streams are Node Duplexes: what the peer sends on a stream is read from it, what is written
// goes out as DATA frames, end() sends FIN (half-close), reset() sends RST_STREAM.
//
// Flow control: we advertise the default 64 KiB windows and send WINDOW_UPDATE as the reader
// consumes data, so a peer that honours windows never stalls. On the sending side we honour
// the peer's windows only once it shows it does flow control (a WINDOW_UPDATE or an
// INITIAL_WINDOW_SIZE setting): spdystream, the SPDY library under client-go and the kubelet,
// never sends WINDOW_UPDATE, and a sender that waited for one would stop after 64 KiB.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { trace } from '../../../trace.js';
import {
  DEFAULT_WINDOW, FrameDecoder, FrameEncoder, GoAwayStatus, RstStatus, SETTINGS_INITIAL_WINDOW_SIZE, SpdyProtocolError,
  type Frame, type Headers,
} from './frames.js';

const log = trace('spdy');
/** Largest DATA payload we send in one frame; keeps one stream from hogging the socket. */
const MAX_DATA_CHUNK = 32 * 1024;

export interface SessionOptions {
  /** The server opens even stream ids and answers odd ones; the client the reverse. */
  role: 'server' | 'client';
  /** Whether to send WINDOW_UPDATE for received data (default true). false behaves like
   *  spdystream, which tests use to check that such peers are served without stalling. */
  sendWindowUpdates?: boolean;
}

/** A stream of a session. Fails (emits 'error') only for local misuse; a peer's RST_STREAM
 *  ends the readable side and drops later writes, and is reported by the 'reset' event. */
export class SpdyStream extends Duplex {
  /** Set when the peer reset the stream or the session ended under it. */
  resetStatus: number | undefined;
  private sendWindow: number;
  private unacked = 0;
  private localFin = false;
  private remoteFin = false;
  private waitingWindow: (() => void) | undefined;
  /** Resolves with the peer's SYN_REPLY headers (streams we opened), rejects on reset. */
  readonly replied: Promise<Headers>;
  private settleReply!: { resolve: (h: Headers) => void; reject: (e: Error) => void };

  constructor(private readonly session: SpdySession, readonly id: number, readonly headers: Headers) {
    super({ allowHalfOpen: true });
    this.sendWindow = session.peerInitialWindow;
    this.replied = new Promise((resolve, reject) => (this.settleReply = { resolve, reject }));
    this.replied.catch(() => {}); // streams the peer opened are never "replied"; no unhandled rejection
  }

  /** Accepts a stream the peer opened (SYN_REPLY). */
  reply(headers: Headers = {}): void {
    this.session.send({ type: 'synReply', streamId: this.id, fin: false, headers });
  }

  /** Aborts the stream in both directions (RST_STREAM, CANCEL unless told). */
  reset(status: number = RstStatus.cancel): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    if (!this.session.closed) this.session.send({ type: 'rstStream', streamId: this.id, status });
    this.onGone();
  }

  override _read(): void {
    this.ack();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    void this.sendData(chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.resetStatus === undefined && !this.localFin && !this.session.closed) {
      this.session.send({ type: 'data', streamId: this.id, fin: true, data: Buffer.alloc(0) });
    }
    this.localFin = true;
    this.maybeDone();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.resetStatus === undefined && !(this.localFin && this.remoteFin)) this.reset();
    cb(err);
  }

  private async sendData(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      if (this.resetStatus !== undefined || this.session.closed) return; // dropped, as spdystream does
      let n = Math.min(chunk.length - at, MAX_DATA_CHUNK);
      if (this.session.peerDoesFlowControl) {
        n = Math.min(n, this.sendWindow, this.session.sendWindow);
        if (n <= 0) {
          await new Promise<void>((resolve) => (this.waitingWindow = resolve));
          continue;
        }
        this.sendWindow -= n;
        this.session.sendWindow -= n;
      }
      this.session.send({ type: 'data', streamId: this.id, fin: false, data: chunk.subarray(at, at + n) });
      at += n;
    }
    await this.session.drained();
  }

  /** @internal frames for this stream, from the session. */
  onFrame(f: Frame): void {
    switch (f.type) {
      case 'synReply':
        this.settleReply.resolve(f.headers);
        if (f.fin) this.onRemoteFin();
        break;
      case 'data':
        if (this.remoteFin) return;
        if (f.data.length) {
          this.unacked += f.data.length;
          if (this.push(f.data)) this.ack();
        }
        if (f.fin) this.onRemoteFin();
        break;
      case 'headers':
        if (f.fin) this.onRemoteFin();
        break;
      case 'rstStream':
        this.resetStatus = f.status;
        this.settleReply.reject(new Error(`stream ${this.id} reset by peer (status ${f.status})`));
        this.emit('reset', f.status);
        this.onGone();
        break;
      case 'windowUpdate':
        this.windowGrew(f.delta);
        break;
      default:
    }
  }

  /** @internal */
  windowGrew(delta: number): void {
    this.sendWindow += delta;
    this.wake();
  }

  /** @internal the session's window grew or the session ended. */
  wake(): void {
    const w = this.waitingWindow;
    this.waitingWindow = undefined;
    w?.();
  }

  /** @internal the session is gone: end reading, drop writes. */
  onGone(): void {
    this.settleReply.reject(new Error(`stream ${this.id} closed before reply`));
    if (!this.remoteFin) {
      this.remoteFin = true;
      this.push(null);
    }
    if (this.resetStatus === undefined) this.resetStatus = RstStatus.cancel;
    this.localFin = true;
    this.wake();
    this.session.forget(this.id);
  }

  private ack(): void {
    // Batched to half a window, as HTTP/2 stacks do; spdystream ignores them either way.
    if (this.unacked < DEFAULT_WINDOW / 2 || !this.session.sendsWindowUpdates || this.remoteFin) return;
    this.session.send({ type: 'windowUpdate', streamId: this.id, delta: this.unacked });
    this.unacked = 0;
  }

  private onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.localFin && this.remoteFin) this.session.forget(this.id);
  }
}

/**
 * Events: 'stream' (SpdyStream the peer opened: call reply() or reset()), 'goaway', 'close'.
 * Protocol errors from the peer end the session with GOAWAY(PROTOCOL_ERROR); they are
 * reported by 'close' (with the error), never thrown.
 */
export class SpdySession extends EventEmitter {
  closed = false;
  /** Data we may still send before the peer's next session-level WINDOW_UPDATE. */
  sendWindow = DEFAULT_WINDOW;
  peerInitialWindow = DEFAULT_WINDOW;
  peerDoesFlowControl = false;
  readonly sendsWindowUpdates: boolean;
  private readonly encoder = new FrameEncoder();
  private readonly decoder = new FrameDecoder();
  private readonly streams = new Map<number, SpdyStream>();
  private nextId: number;
  private nextPing: number;
  private lastPeerStream = 0;
  private sessionUnacked = 0;
  private readonly pings = new Map<number, () => void>();
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly socket: Duplex, private readonly opts: SessionOptions) {
    super();
    this.nextId = opts.role === 'server' ? 2 : 1;
    this.nextPing = opts.role === 'server' ? 2 : 1;
    this.sendsWindowUpdates = opts.sendWindowUpdates ?? true;
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('drain', () => this.flushDrainWaiters());
    socket.on('end', () => this.shutdown());
    socket.on('close', () => this.shutdown());
    socket.on('error', (err) => this.shutdown(err));
    // Announcing our window tells a peer like us that we do flow control; spdystream
    // ignores SETTINGS.
    if (this.sendsWindowUpdates) this.send({ type: 'settings', clear: false, entries: [{ id: SETTINGS_INITIAL_WINDOW_SIZE, value: DEFAULT_WINDOW, flags: 0 }] });
  }

  /** Opens a stream (SYN_STREAM) and waits for the peer's SYN_REPLY. Rejects if the peer
   *  resets it, the session is closed or going away. */
  async open(headers: Headers, opts: { fin?: boolean } = {}): Promise<SpdyStream> {
    if (this.closed) throw new Error('SPDY session is closed');
    const id = this.nextId;
    this.nextId += 2;
    const stream = new SpdyStream(this, id, headers);
    this.streams.set(id, stream);
    this.send({ type: 'synStream', streamId: id, associatedTo: 0, priority: 0, fin: !!opts.fin, unidirectional: false, headers });
    if (opts.fin) stream.end();
    await stream.replied;
    return stream;
  }

  /** Round trip to the peer. Rejects when the session closes first. */
  ping(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('SPDY session is closed'));
    const id = this.nextPing;
    this.nextPing += 2;
    const done = new Promise<void>((resolve) => this.pings.set(id, resolve));
    this.send({ type: 'ping', id });
    return Promise.race([done, new Promise<void>((_, reject) => this.once('close', () => reject(new Error('SPDY session closed'))))]);
  }

  /** Says GOAWAY, drops the remaining streams and ends the socket after what is queued. */
  close(status: number = GoAwayStatus.ok, cause?: Error): void {
    if (this.closed) return;
    this.send({ type: 'goAway', lastGoodStreamId: this.lastPeerStream, status });
    this.socket.end();
    this.shutdown(cause);
  }

  /** @internal */
  send(f: Frame): void {
    if (this.closed) return;
    if (f.type !== 'data') log(() => `send ${f.type} ${JSON.stringify({ ...f, type: undefined })}`);
    this.socket.write(this.encoder.encode(f));
  }

  /** @internal resolves once the socket has room again (TCP backpressure for writers). */
  drained(): Promise<void> {
    const s = this.socket as Duplex & { writableNeedDrain?: boolean };
    if (this.closed || !s.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private flushDrainWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      log(() => `protocol error: ${(err as Error).message}`);
      this.close(GoAwayStatus.protocolError, err as Error);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      this.onFrame(f);
    }
  }

  private onFrame(f: Frame): void {
    if (f.type !== 'data') log(() => `recv ${f.type} ${JSON.stringify({ ...f, type: undefined })}`);
    switch (f.type) {
      case 'synStream':
        return this.onSynStream(f);
      case 'data':
        this.sessionUnacked += f.data.length;
        if (this.sendsWindowUpdates && this.sessionUnacked >= DEFAULT_WINDOW / 2) {
          this.send({ type: 'windowUpdate', streamId: 0, delta: this.sessionUnacked });
          this.sessionUnacked = 0;
        }
        return this.streams.get(f.streamId)?.onFrame(f);
      case 'synReply':
      case 'headers':
      case 'rstStream':
        return this.streams.get(f.streamId)?.onFrame(f);
      case 'windowUpdate':
        this.peerDoesFlowControl = true;
        if (f.streamId === 0) {
          this.sendWindow += f.delta;
          for (const s of this.streams.values()) s.wake();
        } else this.streams.get(f.streamId)?.onFrame(f);
        return;
      case 'settings':
        for (const e of f.entries) {
          if (e.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          this.peerDoesFlowControl = true;
          const delta = e.value - this.peerInitialWindow;
          this.peerInitialWindow = e.value;
          for (const s of this.streams.values()) s.windowGrew(delta);
        }
        return;
      case 'ping': {
        const ours = (f.id & 1) === (this.nextPing & 1);
        if (!ours) return this.send(f); // echo the peer's ping
        this.pings.get(f.id)?.();
        this.pings.delete(f.id);
        return;
      }
      case 'goAway':
        this.emit('goaway', f);
        return;
    }
  }

  private onSynStream(f: Extract<Frame, { type: 'synStream' }>): void {
    const peerParity = this.opts.role === 'server' ? 1 : 0;
    if ((f.streamId & 1) !== peerParity || f.streamId <= this.lastPeerStream) {
      this.send({ type: 'rstStream', streamId: f.streamId, status: RstStatus.protocolError });
      return;
    }
    this.lastPeerStream = f.streamId;
    const stream = new SpdyStream(this, f.streamId, f.headers);
    this.streams.set(f.streamId, stream);
    if (f.fin) stream.onFrame({ type: 'data', streamId: f.streamId, fin: true, data: Buffer.alloc(0) });
    if (f.unidirectional) stream.end();
    this.emit('stream', stream);
  }

  private shutdown(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.onGone();
    this.streams.clear();
    this.flushDrainWaiters();
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.end();
    this.emit('close', err);
  }
}

export { SpdyProtocolError };
