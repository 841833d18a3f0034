// HPACK (RFC 7541) for the request header blocks the authority rewriter passes on.
// Decoding must follow the client's encoder exactly (its dynamic table, size updates),
// so it is hpack.js's stateful decompressor, one per connection. Encoding is ours and
// deliberately stateless: every field a literal without indexing and without Huffman,
// so nghttp2's decoder table stays empty and nothing has to be kept in step with it.
import hpack from 'hpack.js';

/** A header field as octets: each string holds one latin1 char per byte. */
export interface HeaderField {
  name: string;
  value: string;
  /** The client asked intermediaries never to index it (RFC 7541 6.2.3); kept on re-encoding. */
  neverIndex: boolean;
}

export class HpackError extends Error {
  override name = 'HpackError';
}

/** The header table size the decoder (the server) allows the client's encoder; nghttp2's
 *  default, which Node and grpc-js leave unchanged. */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;

/** Decodes one connection's request header blocks in order. After a decode throws, the
 *  table is out of step with the client: the connection must end. */
export class HeaderBlockDecoder {
  readonly #inflater;
  #failure: Error | undefined;

  constructor(maxTableSize = DEFAULT_HEADER_TABLE_SIZE) {
    this.#inflater = hpack.decompressor.create({ table: { maxSize: maxTableSize } });
    this.#inflater.on('error', (err) => { this.#failure ??= err; });
  }

  /** Throws HpackError for a block that is malformed or refers past the table. */
  decode(block: Buffer): HeaderField[] {
    if (this.#failure) throw new HpackError(`header decoding already failed: ${this.#failure.message}`);
    if (block.length === 0) return [];
    this.#inflater.write(block);
    this.#inflater.execute();
    const fields: HeaderField[] = [];
    for (let f = this.#inflater.read(); f !== null; f = this.#inflater.read()) fields.push(f);
    // hpack.js reports its own asserts as 'error'; reading past the block's end surfaces
    // as a TypeError from its buffer, caught by execute() the same way.
    const failure = this.#failure as Error | undefined; // set by the 'error' listener during execute()
    if (failure) throw new HpackError(`malformed header block: ${failure.message}`);
    return fields;
  }
}

/** Encodes fields as literals without indexing (never-indexed where asked), no Huffman.
 *  One allocation per block: this runs once per request. */
export function encodeHeaderBlock(fields: readonly HeaderField[]): Buffer {
  let size = 0;
  for (const f of fields) size += 1 + integerBytes(f.name.length, 7) + f.name.length + integerBytes(f.value.length, 7) + f.value.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const f of fields) {
    out[at++] = f.neverIndex ? 0x10 : 0x00;
    at = writeInteger(out, at, f.name.length, 7, 0x00);
    at += out.write(f.name, at, 'latin1');
    at = writeInteger(out, at, f.value.length, 7, 0x00);
    at += out.write(f.value, at, 'latin1');
  }
  return out;
}

function integerBytes(n: number, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  if (n < max) return 1;
  let bytes = 2;
  for (let rest = n - max; rest >= 0x80; rest = Math.floor(rest / 128)) bytes++;
  return bytes;
}

function writeInteger(out: Buffer, at: number, n: number, prefixBits: number, flags: number): number {
  const max = (1 << prefixBits) - 1;
  if (n < max) {
    out[at] = flags | n;
    return at + 1;
  }
  out[at++] = flags | max;
  let rest = n - max;
  while (rest >= 0x80) {
    out[at++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at] = rest;
  return at + 1;
}

/** RFC 7541 5.1: an integer in an N-bit prefix, continued in 7-bit groups. */
export function encodeInteger(n: number, prefixBits: number, firstByteFlags: number): Buffer {
  const out = Buffer.alloc(integerBytes(n, prefixBits));
  writeInteger(out, 0, n, prefixBits, firstByteFlags);
  return out;
}
