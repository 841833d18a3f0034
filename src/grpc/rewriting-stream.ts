// A client connection as grpc-js's HTTP/2 server sees it: reads come through a
// RequestAuthorityRewriter, writes go to the socket untouched. Malformed framing from the
// client ends the connection (the socket is destroyed; the server sees a clean EOF).
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { RequestAuthorityRewriter } from './request-rewriter.js';
import { trace } from '../trace.js';

const log = trace('grpc');

export class AuthorityRewritingStream extends Duplex {
  readonly #socket: Socket;
  readonly #rewriter: RequestAuthorityRewriter;
  /** The callback of a write the socket has not taken yet: called on its 'drain'. */
  #pendingWrite: (() => void) | undefined;

  constructor(socket: Socket) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#rewriter = new RequestAuthorityRewriter();
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    socket.on('drain', () => this.#drained());
  }

  #onData(chunk: Buffer): void {
    let out: Buffer[];
    try {
      out = this.#rewriter.push(chunk);
    } catch (err) {
      log(() => `closing a connection: ${(err as Error).message}`);
      this.#socket.destroy();
      this.push(null);
      return;
    }
    let more = true;
    for (const b of out) more = this.push(b);
    if (!more) this.#socket.pause();
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.#socket.write(chunk)) done();
    else this.#pendingWrite = done;
  }

  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    this.#socket.cork();
    let ok = true;
    for (const { chunk } of chunks) ok = this.#socket.write(chunk);
    this.#socket.uncork();
    if (ok) done();
    else this.#pendingWrite = done;
  }

  #drained(): void {
    const done = this.#pendingWrite;
    this.#pendingWrite = undefined;
    done?.();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.#socket.end(done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.#socket.destroy();
    done(err);
  }
}
