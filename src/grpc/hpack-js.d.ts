// The parts of hpack.js 2.1.6 (no published types) that hpack.ts uses: its bit-level
// decoder of one header block and its header table (static + dynamic, RFC 7541 2.3).
declare module 'hpack.js' {
  interface BlockDecoder {
    push(chunk: Buffer): void;
    isEmpty(): boolean;
    decodeBit(): 0 | 1;
    decodeInt(): number;
    /** Raw octets (a Buffer), or the Huffman-decoded octets as numbers. */
    decodeStr(): Buffer | number[];
  }
  interface TableEntry {
    name: string;
    value: string;
  }
  interface Table {
    /** Throws for index 0 or past the end. */
    lookup(index: number): TableEntry;
    add(name: string, value: string, nameSize: number, valueSize: number): void;
    /** Throws above the table's maxSize. */
    updateSize(size: number): void;
  }
  const hpack: {
    decoder: { create(): BlockDecoder };
    table: { create(options: { maxSize: number }): Table };
  };
  export default hpack;
}
