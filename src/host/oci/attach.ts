import { close as closeCb } from 'node:fs';
import { promisify } from 'node:util';
import { Readable, Writable } from 'node:stream';
import { errnoOf, HostError } from '../errors.js';
import { native } from '../native.js';
import type { AttachStreams } from './types.js';

// conmon's attach socket: AF_UNIX SOCK_SEQPACKET at <bundle>/attach (conmon binds it through
// the <socket-dir>/<id> symlink to the bundle). Each packet conmon sends is one read of the
// container's output with the stream id in front: 2 stdout, 3 stderr. What we send is stdin,
// raw; conmon reads at most CONN_SOCK_BUF_SIZE - 1 bytes per packet, so longer writes are cut
// into packets that fit. Our end of the stream (shutdown SHUT_WR) makes conmon close the
// container's stdin unless it was started with --leave-stdin-open (stdinOnce false).

const STDOUT = 2;
const STDERR = 3;
/** conmon's STDIO_BUF_SIZE + the stream byte; read with room to spare. */
const RECV_MAX = 64 * 1024;
/** conmon's CONN_SOCK_BUF_SIZE (32768) - 1. */
const SEND_MAX = 32767;

const closeFd = promisify(closeCb);

export interface AttachSocketOptions {
  /** Give the caller a stdin stream. */
  stdin: boolean;
  /** The container has a terminal: all output arrives as stdout, and ending stdin does not half-close. */
  tty: boolean;
  /** Writes "1 <rows> <cols>" to conmon's ctl fifo (tty only). */
  resize?: (width: number, height: number) => void;
}

/**
 * Connects to a live conmon's attach socket. Rejects ENOENT when no conmon listens there
 * (the container exited, or was never created with this bundle).
 */
export async function attachSocket(path: string, opts: AttachSocketOptions): Promise<AttachStreams> {
  let fd: number;
  try {
    fd = await native().seqpacketConnect(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const code = e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'ENOENT' : 'EIO';
    throw new HostError(code, `attach: ${e.message} (no live conmon)`, 'connect', errnoOf(code));
  }
  return new AttachConnection(fd, opts).streams();
}

/** One connection: a pump demultiplexes packets into stdout/stderr; stdin becomes packets. */
class AttachConnection {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;
  private ended = false;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((r) => (this.resolveDone = r));
  private readonly waiting = new Map<Readable, () => void>();
  private readonly stdout: Readable;
  private readonly stderr: Readable | undefined;
  private readonly stdin: Writable | undefined;

  constructor(private readonly fd: number, private readonly opts: AttachSocketOptions) {
    const reader = () => new Readable({ read: () => this.wake(out) });
    const out = reader();
    this.stdout = out;
    this.stderr = opts.tty ? undefined : reader();
    if (opts.stdin) {
      this.stdin = new Writable({
        write: (chunk: Buffer, _enc, cb) => void this.send(chunk).then(() => cb(), cb),
        final: (cb) => {
          // A tty has no half-close (CRI-O does not close a terminal's input either).
          if (!opts.tty && !this.closed) this.shutdown('write');
          cb();
        },
      });
      this.stdin.on('error', () => undefined);
    }
    void this.pump();
  }

  streams(): AttachStreams {
    return {
      ...(this.stdin && { stdin: this.stdin }),
      stdout: this.stdout,
      ...(this.stderr && { stderr: this.stderr }),
      ...(this.opts.tty && this.opts.resize && { resize: this.opts.resize }),
      done: this.done,
      close: () => this.close(),
    };
  }

  private wake(r: Readable): void {
    const w = this.waiting.get(r);
    this.waiting.delete(r);
    w?.();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  private async pump(): Promise<void> {
    try {
      while (!this.closed) {
        const packet = await this.track(native().fdRecv(this.fd, RECV_MAX));
        if (!packet) break;
        if (packet.length < 1) continue;
        const target = packet[0] === STDERR ? (this.stderr ?? this.stdout) : packet[0] === STDOUT ? this.stdout : undefined;
        if (!target || target.destroyed) continue;
        if (!target.push(packet.subarray(1))) await new Promise<void>((r) => this.waiting.set(target, r));
      }
    } catch {
      // recv failed (ECONNRESET when conmon died): the output ends here all the same
    }
    this.endOutputs();
    await this.close();
  }

  private endOutputs(): void {
    if (this.ended) return;
    this.ended = true;
    this.stdout.push(null);
    this.stderr?.push(null);
  }

  private async send(chunk: Buffer): Promise<void> {
    for (let off = 0; off < chunk.length; off += SEND_MAX) {
      if (this.closed) throw new HostError('EPIPE', 'attach: connection closed', 'send', 32);
      await this.track(native().fdSend(this.fd, chunk.subarray(off, off + SEND_MAX)));
    }
  }

  private shutdown(how: 'read' | 'write' | 'both'): void {
    try {
      native().fdShutdown(this.fd, how);
    } catch {
      // ENOTCONN: the peer is gone already
    }
  }

  /** Ends the connection: wakes the blocked recv, waits for every call on the fd, closes it. */
  private async close(): Promise<void> {
    if (this.closed) return this.done;
    this.closed = true;
    this.shutdown('both');
    for (const r of this.waiting.values()) r();
    this.waiting.clear();
    await Promise.allSettled([...this.inFlight]);
    await closeFd(this.fd).catch(() => undefined);
    this.endOutputs();
    this.stdin?.destroy();
    this.resolveDone();
    return this.done;
  }
}
