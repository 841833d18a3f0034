// The part of hpack.js 2.1.6 (no published types) that hpack.ts uses: its stateful
// decompressor, driven synchronously.
declare module 'hpack.js' {
  interface DecodedField {
    /** Octets as latin1 code units (one char per byte). */
    name: string;
    value: string;
    neverIndex: boolean;
  }
  interface Decompressor {
    /** Queues a header block's bytes (synchronous: nothing is piped). */
    write(chunk: Buffer): boolean;
    /** Decodes everything queued; a decoding failure is emitted as 'error'. */
    execute(): void;
    /** The next decoded field, or null. */
    read(): DecodedField | null;
    on(event: 'error', listener: (err: Error) => void): this;
  }
  const hpack: {
    decompressor: { create(options: { table: { maxSize: number } }): Decompressor };
  };
  export default hpack;
}
