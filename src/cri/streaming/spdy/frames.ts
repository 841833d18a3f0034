// SPDY/3.1 frames: their in-memory shape, and an encoder and a decoder that each own one zlib
// context for header blocks (SPDY compresses all header blocks of one direction as a single
// zlib stream, sync-flushed per block, starting from the SPDY/3 dictionary). pako rather than
// node:zlib because its streaming API is synchronous, so a frame is encoded or decoded in one
// call and frame order never depends on a callback.
import { Deflate, Inflate, Z_SYNC_FLUSH } from 'pako';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { dict, type Dict } from '../../../own-keys.js';

export const SPDY_VERSION = 3;
/** Window every stream and the session start with, until SETTINGS says otherwise. */
export const DEFAULT_WINDOW = 64 * 1024;
/** A frame's length field is 24 bits. */
export const MAX_FRAME_LENGTH = 0xffffff;

export const FrameType = {
  synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9,
} as const;

export const RstStatus = {
  protocolError: 1, invalidStream: 2, refusedStream: 3, unsupportedVersion: 4, cancel: 5, internalError: 6,
  flowControlError: 7, streamInUse: 8, streamAlreadyClosed: 9, frameTooLarge: 11,
} as const;

export const GoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

/** Header names are lowercase (SPDY/3 requires it; Go's framer rejects others). Several
 *  values of one name travel NUL-separated in one value, as on the wire. Decoded headers have
 *  no prototype: the names are the peer's, and one it did not send (`constructor`) reads as
 *  undefined, not as an Object member. */
export type Headers = Dict<string>;

export type Frame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedTo: number; priority: number; fin: boolean; unidirectional: boolean; headers: Headers }
  | { type: 'synReply'; streamId: number; fin: boolean; headers: Headers }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; entries: { id: number; value: number; flags: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headers: Headers }
  | { type: 'windowUpdate'; streamId: number; delta: number };

/** A peer broke the protocol; the session answers with GOAWAY or RST_STREAM. */
export class SpdyProtocolError extends Error {
  override readonly name = 'SpdyProtocolError';
  constructor(message: string, readonly streamId = 0) {
    super(message);
  }
}

function encodeHeaderBlock(headers: Headers): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

function decodeHeaderBlock(block: Buffer, streamId: number): Headers {
  const fail = (what: string) => new SpdyProtocolError(`malformed header block: ${what}`, streamId);
  if (block.length < 4) throw fail('no pair count');
  const count = block.readUInt32BE(0);
  const headers = dict<string>();
  let at = 4;
  const take = (): string => {
    if (at + 4 > block.length) throw fail('truncated length');
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) throw fail('truncated string');
    const s = block.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take();
    const value = take();
    if (name === '' || name !== name.toLowerCase()) throw fail(`header name ${JSON.stringify(name)} is empty or not lowercase`);
    if (Object.hasOwn(headers, name)) throw fail(`duplicate header ${name}`);
    headers[name] = value;
  }
  return headers;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_LENGTH) throw new RangeError(`SPDY frame of ${payload.length} bytes exceeds 24-bit length`);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

/** Serializes frames of one direction of one session. Throws RangeError for a frame too large. */
export class FrameEncoder {
  private readonly deflate = new Deflate({ dictionary: SPDY3_DICTIONARY });

  private compress(headers: Headers): Buffer {
    this.deflate.push(encodeHeaderBlock(headers), Z_SYNC_FLUSH);
    if (this.deflate.err) throw new Error(`header compression failed: ${this.deflate.msg}`);
    const out = Buffer.concat(this.deflate.chunks);
    this.deflate.chunks = [];
    return out;
  }

  encode(f: Frame): Buffer {
    switch (f.type) {
      case 'data': {
        if (f.data.length > MAX_FRAME_LENGTH) throw new RangeError(`SPDY data frame of ${f.data.length} bytes exceeds 24-bit length`);
        const head = Buffer.alloc(8);
        head.writeUInt32BE(f.streamId & 0x7fffffff, 0);
        head.writeUInt32BE(((f.fin ? 1 : 0) << 24 | f.data.length) >>> 0, 4);
        return Buffer.concat([head, f.data]);
      }
      case 'synStream': {
        const fixed = Buffer.alloc(10);
        fixed.writeUInt32BE(f.streamId & 0x7fffffff, 0);
        fixed.writeUInt32BE(f.associatedTo & 0x7fffffff, 4);
        fixed.writeUInt8((f.priority & 7) << 5, 8);
        return control(FrameType.synStream, (f.fin ? 1 : 0) | (f.unidirectional ? 2 : 0), Buffer.concat([fixed, this.compress(f.headers)]));
      }
      case 'synReply':
        return control(FrameType.synReply, f.fin ? 1 : 0, Buffer.concat([u32(f.streamId & 0x7fffffff), this.compress(f.headers)]));
      case 'headers':
        return control(FrameType.headers, f.fin ? 1 : 0, Buffer.concat([u32(f.streamId & 0x7fffffff), this.compress(f.headers)]));
      case 'rstStream':
        return control(FrameType.rstStream, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.status)]));
      case 'settings': {
        const parts = [u32(f.entries.length)];
        for (const e of f.entries) parts.push(u32(((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0), u32(e.value));
        return control(FrameType.settings, f.clear ? 1 : 0, Buffer.concat(parts));
      }
      case 'ping':
        return control(FrameType.ping, 0, u32(f.id));
      case 'goAway':
        return control(FrameType.goAway, 0, Buffer.concat([u32(f.lastGoodStreamId & 0x7fffffff), u32(f.status)]));
      case 'windowUpdate':
        return control(FrameType.windowUpdate, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.delta & 0x7fffffff)]));
    }
  }
}

/**
 * Parses the byte stream of one direction of one session. push() returns the frames that
 * are complete so far and keeps the rest. Throws SpdyProtocolError on a malformed frame, a
 * wrong version or a header block that does not inflate; after that the session is unusable
 * (the zlib context has lost sync), as the spec says.
 */
export class FrameDecoder {
  private readonly inflate = new Inflate({ dictionary: SPDY3_DICTIONARY });
  private pending: Buffer = Buffer.alloc(0);

  private decompress(block: Buffer, streamId: number): Headers {
    this.inflate.push(block, Z_SYNC_FLUSH);
    if (this.inflate.err) throw new SpdyProtocolError(`header block does not inflate: ${this.inflate.msg}`, streamId);
    const out = Buffer.concat(this.inflate.chunks);
    this.inflate.chunks = [];
    return decodeHeaderBlock(out, streamId);
  }

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4) & 0xffffff;
      if (this.pending.length < 8 + length) break;
      const frame = this.decodeOne(this.pending.subarray(0, 8 + length));
      this.pending = this.pending.subarray(8 + length);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private decodeOne(buf: Buffer): Frame | undefined {
    const word = buf.readUInt32BE(0);
    const flags = buf.readUInt8(4);
    const body = buf.subarray(8);
    if ((word & 0x80000000) === 0) return { type: 'data', streamId: word & 0x7fffffff, fin: (flags & 1) !== 0, data: Buffer.from(body) };
    const version = (word >>> 16) & 0x7fff;
    if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    const type = word & 0xffff;
    const need = (n: number) => {
      if (body.length < n) throw new SpdyProtocolError(`control frame type ${type} too short (${body.length} < ${n})`);
    };
    const id = (at: number) => body.readUInt32BE(at) & 0x7fffffff;
    switch (type) {
      case FrameType.synStream:
        need(10);
        return {
          type: 'synStream', streamId: id(0), associatedTo: id(4), priority: body.readUInt8(8) >>> 5,
          fin: (flags & 1) !== 0, unidirectional: (flags & 2) !== 0, headers: this.decompress(body.subarray(10), id(0)),
        };
      case FrameType.synReply:
        need(4);
        return { type: 'synReply', streamId: id(0), fin: (flags & 1) !== 0, headers: this.decompress(body.subarray(4), id(0)) };
      case FrameType.headers:
        need(4);
        return { type: 'headers', streamId: id(0), fin: (flags & 1) !== 0, headers: this.decompress(body.subarray(4), id(0)) };
      case FrameType.rstStream:
        need(8);
        return { type: 'rstStream', streamId: id(0), status: body.readUInt32BE(4) };
      case FrameType.settings: {
        need(4);
        const n = body.readUInt32BE(0);
        need(4 + 8 * n);
        const entries = [];
        for (let i = 0; i < n; i++) {
          const w = body.readUInt32BE(4 + 8 * i);
          entries.push({ flags: w >>> 24, id: w & 0xffffff, value: body.readUInt32BE(8 + 8 * i) });
        }
        return { type: 'settings', clear: (flags & 1) !== 0, entries };
      }
      case FrameType.ping:
        need(4);
        return { type: 'ping', id: body.readUInt32BE(0) };
      case FrameType.goAway:
        need(8);
        return { type: 'goAway', lastGoodStreamId: id(0), status: body.readUInt32BE(4) };
      case FrameType.windowUpdate:
        need(8);
        return { type: 'windowUpdate', streamId: id(0), delta: body.readUInt32BE(4) & 0x7fffffff };
      default:
        return undefined; // unknown control frames are ignored (spec 2.2.1)
    }
  }
}
