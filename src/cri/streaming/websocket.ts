// The Kubernetes channel protocol over one WebSocket (apimachinery's wsstream): every message
// starts with a channel number, and each channel is one stream. Binary subprotocols put the
// number in the first byte; the base64 ones send text messages whose first character is
// '0'+channel and whose rest is base64. v5.channel.k8s.io adds a close signal: a message on
// channel 255 whose one byte names the channel the sender will write no more on.
import { Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';

export const CLOSE_CHANNEL = 255;

export type ChannelKind = 'read' | 'write' | 'readWrite' | 'ignore';

export interface ChannelCodec {
  base64: boolean;
  /** Whether the peer may half-close channels with the 255 signal (v5). */
  closeSignal: boolean;
}

/** One frame on the wire: binary (Buffer) or text (string) per the codec. */
export function encodeFrame(codec: ChannelCodec, channel: number, data: Buffer): Buffer | string {
  if (codec.base64) return String.fromCharCode(48 + channel) + data.toString('base64');
  return Buffer.concat([Buffer.of(channel), data]);
}

/** The channel and payload of a received message; undefined for an empty message. */
export function decodeFrame(codec: ChannelCodec, message: Buffer | string): { channel: number; data: Buffer } | undefined {
  if (codec.base64) {
    const text = typeof message === 'string' ? message : message.toString('latin1');
    if (!text.length) return undefined;
    return { channel: text.charCodeAt(0) - 48, data: Buffer.from(text.slice(1), 'base64') };
  }
  const buf = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (!buf.length) return undefined;
  return { channel: buf[0]!, data: buf.subarray(1) };
}

/**
 * The channels of one connection as streams: readers[i] yields what the peer sends on channel
 * i (ends when the peer closes it with the v5 signal or the socket closes), writers[i] sends
 * on channel i. Messages for ignored or unknown channels are dropped, as wsstream does.
 */
export class ChannelConnection {
  readonly readers: (Readable | undefined)[];
  readonly writers: (Writable | undefined)[];
  readonly closed: Promise<void>;

  constructor(private readonly ws: WebSocket, kinds: ChannelKind[], private readonly codec: ChannelCodec) {
    this.readers = kinds.map((k) => (k === 'read' || k === 'readWrite' ? new Readable({ read: () => ws.resume() }) : undefined));
    this.writers = kinds.map((k, i) => (k === 'write' || k === 'readWrite' ? this.writer(i) : undefined));
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (msg: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.onMessage(toBuffer(msg), isBinary));
    ws.once('close', () => {
      for (const r of this.readers) if (r && !r.readableEnded) r.push(null);
    });
    ws.on('error', () => {}); // 'close' follows and ends everything
  }

  /** Sends one frame now (e.g. the empty "connected" frame, the port prefix). */
  send(channel: number, data: Buffer): Promise<void> {
    if (this.ws.readyState !== this.ws.OPEN) return Promise.resolve();
    return new Promise((resolve) => this.ws.send(encodeFrame(this.codec, channel, data), () => resolve()));
  }

  /** Closes the WebSocket normally (1000) after what was sent. */
  close(): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(1000);
  }

  private writer(channel: number): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => void this.send(channel, chunk).then(() => cb()),
    });
  }

  private onMessage(raw: Buffer, isBinary: boolean): void {
    const frame = decodeFrame(this.codec, this.codec.base64 && !isBinary ? raw.toString('latin1') : raw);
    if (!frame) return;
    if (this.codec.closeSignal && frame.channel === CLOSE_CHANNEL) {
      const target = frame.data[0];
      const r = target === undefined ? undefined : this.readers[target];
      if (r && !r.readableEnded) r.push(null);
      return;
    }
    const r = this.readers[frame.channel];
    if (!r || r.readableEnded) return;
    if (!r.push(frame.data)) this.ws.pause();
  }
}

function toBuffer(msg: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(msg)) return msg;
  if (Array.isArray(msg)) return Buffer.concat(msg);
  return Buffer.from(msg);
}
