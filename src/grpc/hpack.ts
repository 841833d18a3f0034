// HPACK (RFC 7541) for the request header blocks the authority rewriter passes on.
// Decoding must follow the client's encoder exactly (its dynamic table, size updates):
// hpack.js's integer/string/Huffman decoder and header table, driven here one field at a
// time so the decoded size is bounded as it grows (an "HPACK bomb" of 1-byte references
// to a 4 KiB entry stops at the limit instead of building gigabytes). Encoding is ours and
// deliberately stateless: every field a literal without indexing and without Huffman, so
// nghttp2's decoder table stays empty and nothing has to be kept in step with it.
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
/** Decoded size (RFC 7541 4.1: name + value + 32 per field) above which a block is refused;
 *  far above what nghttp2 accepts anyway (SETTINGS_MAX_HEADER_LIST_SIZE 64 KiB in Node). */
export const DEFAULT_MAX_HEADER_LIST_BYTES = 1 << 20;
const FIELD_OVERHEAD = 32;

export interface DecoderOptions {
  maxTableSize?: number;
}

/** Decodes one connection's request header blocks in order. After a decode throws, the
 *  table is out of step with the client: the connection must end. */
export class HeaderBlockDecoder {
  readonly #table;
  #failed = false;

  constructor(opts: DecoderOptions = {}) {
    this.#table = hpack.table.create({ maxSize: opts.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE });
  }

  /** Throws HpackError for a block that is malformed, refers past the table, updates the
   *  table size after a field or beyond the limit, or decodes to more than the list limit. */
  decode(block: Buffer): HeaderField[] {
    if (this.#failed) throw new HpackError('header decoding already failed on this connection');
    try {
      return this.#decode(block);
    } catch (err) {
      this.#failed = true;
      if (err instanceof HpackError) throw err;
      // hpack.js asserts with plain Errors; reading past the block's end is a TypeError.
      throw new HpackError(`malformed header block: ${(err as Error).message}`);
    }
  }

  #decode(block: Buffer): HeaderField[] {
    const table = this.#table;
    const d = hpack.decoder.create();
    if (block.length > 0) d.push(block);
    const fields: HeaderField[] = [];
    let listBytes = 0;
    while (!d.isEmpty()) {
      let field: HeaderField;
      if (d.decodeBit()) { // 1xxxxxxx indexed
        const e = table.lookup(d.decodeInt());
        field = { name: e.name, value: e.value, neverIndex: false };
      } else {
        const incremental = d.decodeBit() === 1; // 01xxxxxx literal with incremental indexing
        let neverIndex = false;
        if (!incremental) {
          if (d.decodeBit()) { // 001xxxxx dynamic table size update
            if (fields.length > 0) throw new HpackError('dynamic table size update after a header field');
            table.updateSize(d.decodeInt());
            continue;
          }
          neverIndex = d.decodeBit() === 1; // 0001xxxx never indexed, 0000xxxx without indexing
        }
        const index = d.decodeInt();
        const name = index === 0 ? octets(d.decodeStr()) : table.lookup(index).name;
        const value = octets(d.decodeStr());
        if (incremental) table.add(name, value, name.length, value.length);
        field = { name, value, neverIndex };
      }
      listBytes += field.name.length + field.value.length + FIELD_OVERHEAD;
      if (listBytes > DEFAULT_MAX_HEADER_LIST_BYTES) throw new HpackError(`decoded header list over ${DEFAULT_MAX_HEADER_LIST_BYTES} bytes`);
      fields.push(field);
    }
    return fields;
  }
}

function octets(s: Buffer | number[]): string {
  return Buffer.isBuffer(s) ? s.toString('latin1') : Buffer.from(s).toString('latin1');
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
