// The client→server half of an HTTP/2 connection, re-framed so that nghttp2 (Node's
// HTTP/2 server) accepts requests whose `:authority` is a unix socket path, as grpc-go
// sends when dialled by path. Every frame but HEADERS/CONTINUATION passes through as
// slices of the bytes read (DATA dominates and is never copied); each request header
// block is decoded with the client's HPACK state, its authority replaced if nghttp2
// would refuse it, and re-encoded statelessly (hpack.ts). Pure: bytes in, bytes out.
import { isAcceptedAuthority, REPLACEMENT_AUTHORITY } from './authority.js';
import { encodeHeaderBlock, HeaderBlockDecoder, type HeaderField } from './hpack.js';

export class H2FramingError extends Error {
  override name = 'H2FramingError';
}

export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER_BYTES = 9;
const HEADERS = 0x1;
const PUSH_PROMISE = 0x5;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const PRIORITY_BYTES = 5;
/** The smallest SETTINGS_MAX_FRAME_SIZE a server may have (RFC 9113 6.5.2): always safe. */
const OUT_FRAME_PAYLOAD = 16_384;

export interface RewriterOptions {
  /** A request header block (all its frames' payloads) above this ends the connection. */
  maxHeaderBlockBytes?: number;
  /** The server's SETTINGS_HEADER_TABLE_SIZE, which bounds the client's dynamic table. */
  maxTableSize?: number;
}

export const DEFAULT_MAX_HEADER_BLOCK_BYTES = 1 << 20;

interface OpenBlock {
  streamId: number;
  endStream: boolean;
  /** The HEADERS frame's priority fields, kept as sent. */
  priority: Buffer | null;
  fragments: Buffer[];
  bytes: number;
}

interface HeaderFrame {
  type: number;
  flags: number;
  streamId: number;
  pieces: Buffer[];
  left: number;
}

type State = 'preface' | 'frame-header' | 'pass' | 'header-frame' | 'failed';

/** One per connection, fed the client's bytes in order. `push` returns what to hand the
 *  server; it throws H2FramingError on malformed framing or header blocks, after which the
 *  connection must be closed (the HPACK state is lost) and every later push throws. */
export class RequestAuthorityRewriter {
  readonly #decoder: HeaderBlockDecoder;
  readonly #maxBlock: number;
  #state: State = 'preface';
  /** Bytes of the preface or of a frame header split across reads (at most 24). */
  #partial: Buffer = Buffer.alloc(0);
  #passLeft = 0;
  #frame: HeaderFrame | undefined;
  #block: OpenBlock | undefined;
  /** Request header blocks whose authority was replaced (for tracing and tests). */
  replaced = 0;

  constructor(opts: RewriterOptions = {}) {
    this.#decoder = new HeaderBlockDecoder({ maxTableSize: opts.maxTableSize });
    this.#maxBlock = opts.maxHeaderBlockBytes ?? DEFAULT_MAX_HEADER_BLOCK_BYTES;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.#state === 'failed') throw new H2FramingError('connection already failed');
    try {
      return this.#consume(chunk);
    } catch (err) {
      this.#state = 'failed';
      if (err instanceof H2FramingError) throw err;
      throw new H2FramingError((err as Error).message);
    }
  }

  #consume(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    // Start of the run of bytes in this chunk that pass through unchanged, or -1.
    let passFrom = -1;
    const flushPass = (to: number) => {
      if (passFrom >= 0 && to > passFrom) out.push(chunk.subarray(passFrom, to));
      passFrom = -1;
    };
    while (i < chunk.length) {
      switch (this.#state) {
        case 'preface': {
          const need = CLIENT_PREFACE.length - this.#partial.length;
          const take = chunk.subarray(i, i + need);
          if (!take.equals(CLIENT_PREFACE.subarray(this.#partial.length, this.#partial.length + take.length))) {
            throw new H2FramingError('not an HTTP/2 client preface');
          }
          i += take.length;
          this.#partial = take.length === need ? Buffer.alloc(0) : Buffer.concat([this.#partial, take]);
          if (take.length === need) {
            out.push(CLIENT_PREFACE);
            this.#state = 'frame-header';
          }
          break;
        }
        case 'frame-header': {
          let header: Buffer;
          let headerStart = i;
          if (this.#partial.length === 0 && chunk.length - i >= FRAME_HEADER_BYTES) {
            header = chunk.subarray(i, i + FRAME_HEADER_BYTES);
          } else {
            flushPass(i);
            const need = FRAME_HEADER_BYTES - this.#partial.length;
            const take = chunk.subarray(i, i + need);
            this.#partial = Buffer.concat([this.#partial, take]);
            i += take.length;
            if (this.#partial.length < FRAME_HEADER_BYTES) break;
            header = this.#partial;
            this.#partial = Buffer.alloc(0);
            headerStart = -1; // assembled: not a slice of this chunk
          }
          if (headerStart >= 0) i += FRAME_HEADER_BYTES;
          const length = header.readUIntBE(0, 3);
          const type = header[3]!;
          const flags = header[4]!;
          const streamId = header.readUInt32BE(5) & 0x7fffffff;
          if (this.#block && !(type === CONTINUATION && streamId === this.#block.streamId)) {
            throw new H2FramingError(`frame type ${type} inside the header block of stream ${this.#block.streamId}`);
          }
          if (type === HEADERS || type === CONTINUATION) {
            if (type === CONTINUATION && !this.#block) throw new H2FramingError('CONTINUATION without HEADERS');
            if (streamId === 0) throw new H2FramingError('HEADERS on stream 0');
            if ((this.#block?.bytes ?? 0) + length > this.#maxBlock) {
              throw new H2FramingError(`request header block over ${this.#maxBlock} bytes`);
            }
            flushPass(headerStart >= 0 ? headerStart : i);
            this.#frame = { type, flags, streamId, pieces: [], left: length };
            this.#state = 'header-frame';
            if (length === 0) this.#endHeaderFrame(out);
          } else if (type === PUSH_PROMISE) {
            // Only servers push; its header block would put our HPACK state out of step.
            throw new H2FramingError('PUSH_PROMISE from a client');
          } else {
            if (headerStart < 0) out.push(header);
            else if (passFrom < 0) passFrom = headerStart;
            this.#passLeft = length;
            this.#state = length === 0 ? 'frame-header' : 'pass';
          }
          break;
        }
        case 'pass': {
          if (passFrom < 0) passFrom = i;
          const n = Math.min(this.#passLeft, chunk.length - i);
          i += n;
          this.#passLeft -= n;
          if (this.#passLeft === 0) this.#state = 'frame-header';
          break;
        }
        case 'header-frame': {
          const frame = this.#frame!;
          const n = Math.min(frame.left, chunk.length - i);
          frame.pieces.push(chunk.subarray(i, i + n));
          frame.left -= n;
          i += n;
          if (frame.left === 0) this.#endHeaderFrame(out);
          break;
        }
        case 'failed':
          throw new H2FramingError('connection already failed');
      }
    }
    flushPass(i);
    return out;
  }

  /** A whole HEADERS or CONTINUATION frame has arrived: add its fragment to the block, and
   *  emit the block once it ends. */
  #endHeaderFrame(out: Buffer[]): void {
    const frame = this.#frame!;
    this.#frame = undefined;
    this.#state = 'frame-header';
    const payload = frame.pieces.length === 1 ? frame.pieces[0]! : Buffer.concat(frame.pieces);
    if (frame.type === HEADERS) {
      let start = 0;
      let padding = 0;
      if (frame.flags & PADDED) {
        if (payload.length < 1) throw new H2FramingError('PADDED HEADERS without a pad length');
        padding = payload[0]!;
        start = 1;
      }
      let priority: Buffer | null = null;
      if (frame.flags & PRIORITY) {
        if (payload.length < start + PRIORITY_BYTES) throw new H2FramingError('HEADERS too short for its priority');
        priority = Buffer.from(payload.subarray(start, start + PRIORITY_BYTES));
        start += PRIORITY_BYTES;
      }
      if (padding > payload.length - start) throw new H2FramingError('HEADERS padding longer than the frame');
      this.#block = {
        streamId: frame.streamId,
        endStream: (frame.flags & END_STREAM) !== 0,
        priority,
        fragments: [payload.subarray(start, payload.length - padding)],
        bytes: payload.length,
      };
    } else {
      const block = this.#block!;
      block.fragments.push(payload);
      block.bytes += payload.length;
    }
    if (frame.flags & END_HEADERS) {
      const block = this.#block!;
      this.#block = undefined;
      out.push(...this.#reframe(block));
    }
  }

  #reframe(block: OpenBlock): Buffer[] {
    const raw = block.fragments.length === 1 ? block.fragments[0]! : Buffer.concat(block.fragments);
    const fields = this.#decoder.decode(raw);
    if (fixAuthority(fields)) this.replaced++;
    const encoded = encodeHeaderBlock(fields);
    return headerFrames(block, encoded);
  }
}

/** Replaces every `:authority` and `host` nghttp2 would refuse; true if any was. */
function fixAuthority(fields: HeaderField[]): boolean {
  let changed = false;
  for (const f of fields) {
    if ((f.name === ':authority' || f.name === 'host') && !isAcceptedAuthority(f.value)) {
      f.value = REPLACEMENT_AUTHORITY;
      changed = true;
    }
  }
  return changed;
}

/** HEADERS (END_STREAM and priority as received, no padding) then CONTINUATIONs, each
 *  payload within the minimum frame size; END_HEADERS on the last. */
function headerFrames(block: OpenBlock, encoded: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  const prefix = block.priority ?? Buffer.alloc(0);
  let offset = 0;
  let first = true;
  do {
    const room = OUT_FRAME_PAYLOAD - (first ? prefix.length : 0);
    const piece = encoded.subarray(offset, offset + room);
    offset += piece.length;
    const last = offset >= encoded.length;
    let flags = last ? END_HEADERS : 0;
    if (first) flags |= (block.endStream ? END_STREAM : 0) | (block.priority ? PRIORITY : 0);
    const payloadLength = (first ? prefix.length : 0) + piece.length;
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUIntBE(payloadLength, 0, 3);
    header[3] = first ? HEADERS : CONTINUATION;
    header[4] = flags;
    header.writeUInt32BE(block.streamId, 5);
    frames.push(first && prefix.length ? Buffer.concat([header, prefix, piece]) : Buffer.concat([header, piece]));
    first = false;
  } while (offset < encoded.length);
  return frames;
}
