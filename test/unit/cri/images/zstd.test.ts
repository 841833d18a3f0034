import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { FakeFsMeta } from '../../../../src/host/image-fs/fake.js';
import { decompressor, zstdWindow, ZSTD_MAX_WINDOW } from '../../../../src/cri/images/decompress.js';
import { LayerStore } from '../../../../src/cri/images/snapshots.js';
import { UnpackError } from '../../../../src/cri/images/unpack.js';
import { tempDir } from '../../../helpers/cni.js';

// zstd layers (issue 12, item 4): the window is capped as containerd caps it (512 MiB), and
// decoding costs what libzstd costs, off the event loop.

/** A zstd frame with window descriptor wd and `blocks` RLE blocks of 128 KiB of 'a'. */
function rleFrame(wd: number, blocks: number): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, wd])];
  for (let i = 0; i < blocks; i++) {
    const h = (i === blocks - 1 ? 1 : 0) | (1 << 1) | (131072 << 3);
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x61]));
  }
  return Buffer.concat(parts);
}
const WD_1_9_GIB = (20 << 3) | 7; // 2^30 + 7/8 of it
const WD_512_MIB = 19 << 3;
const WD_576_MIB = (19 << 3) | 1;

async function bytesOut(input: Buffer): Promise<number> {
  let n = 0;
  await pipeline(Readable.from([input]), decompressor('zstd'), async (out: AsyncIterable<Buffer>) => {
    for await (const c of out) n += c.length;
  });
  return n;
}

test('window sizes are read from the frame header', (t) => {
  t.is(zstdWindow(rleFrame(WD_1_9_GIB, 1)), 2 ** 30 + 7 * 2 ** 27);
  t.is(zstdWindow(rleFrame(WD_512_MIB, 1)), ZSTD_MAX_WINDOW);
  t.is(zstdWindow(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0x10, 0, 0])), 0x1000, 'single segment: the content size');
});

test('a 4 KB layer declaring a 1.9 GiB window is refused with a clear error; nothing is left', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'blob'), rleFrame(WD_1_9_GIB, 1000));
  const layers = new LayerStore(join(root, 'layers'), new FakeFsMeta());
  const err = await t.throwsAsync(layers.unpack(`sha256:${'2'.repeat(64)}`, join(root, 'blob')), { instanceOf: UnpackError });
  t.regex(err!.message, /declares a 1920 MiB window; at most 512 MiB/);
  t.deepEqual(await readdir(join(root, 'layers')), []);
});

test('a later frame over the window cap is refused too (zstd enforces it per frame)', async (t) => {
  const err = await t.throwsAsync(bytesOut(Buffer.concat([rleFrame(WD_512_MIB, 1), rleFrame(WD_576_MIB, 1)])), { instanceOf: UnpackError });
  t.regex(err!.message, /declares a 576 MiB window; at most 512 MiB/);
});

// fzstd copied its whole window once per block on the main thread: this blob took ~160 s
// there (ava's timeout) and 600 MB; libzstd streams it.
test('a 512 MiB window with a thousand 128 KiB blocks decodes at libzstd speed', async (t) => {
  t.is(await bytesOut(rleFrame(WD_512_MIB, 1000)), 1000 * 131072);
});

test('a corrupt zstd layer fails and leaves nothing', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'blob'), Buffer.concat([rleFrame(WD_512_MIB, 1).subarray(0, 6), Buffer.from([0xff, 0xff, 0xff, 0xff])]));
  const layers = new LayerStore(join(root, 'layers'), new FakeFsMeta());
  const err = await t.throwsAsync(layers.unpack(`sha256:${createHash('sha256').digest('hex')}`, join(root, 'blob')));
  t.regex(err!.message, /^zstd: /);
  t.deepEqual(await readdir(join(root, 'layers')), []);
});
