import { pack } from 'tar-stream';

// Hand-made layer tarballs for the unpack tests (tar-stream's packer: ustar + PAX headers,
// padding and the two end-of-archive blocks).

export type TarEntrySpec = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  body?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
};

export async function tarOf(entries: TarEntrySpec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => { for await (const c of p) chunks.push(Buffer.from(c as Uint8Array)); })();
  for (const e of entries) {
    const { body = '', ...header } = e;
    await new Promise<void>((ok, fail) => p.entry({ type: 'file', mode: 0o644, mtime: new Date(1_700_000_000_000), ...header }, body, (err) => (err ? fail(err) : ok())));
  }
  p.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** A raw ustar header block (for names and bytes tar-stream's packer will not write). */
export function ustarHeader(name: Buffer, size: number, typeflag = '0', linkname = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(512);
  name.copy(b, 0, 0, 100);
  b.write('0000644\0', 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write('14000000000\0', 136, 'latin1');
  b.write(typeflag, 156, 'latin1');
  linkname.copy(b, 157, 0, 100);
  b.write('ustar\0' + '00', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const v of b) sum += v;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** Data padded to the 512-byte block. */
export function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}
