import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import type { FsMetaOp } from '../../../../src/host/image-fs/types.js';
import { FakeFsMeta } from '../../../../src/host/image-fs/fake.js';
import { extractTar, UnpackError } from '../../../../src/cri/images/unpack.js';
import { tempDir } from '../../../helpers/cni.js';
import { padded, ustarHeader } from '../../../helpers/tar.js';

// Hostile layers (issue 12, item 3), generated as streams so the test holds only a chunk at
// a time: what the unpack keeps must not grow with the layer beyond what the layer creates.

/** A stream of `count` entries from make(i), in chunks; counts the bytes handed out. */
function entries(count: number, make: (i: number) => Buffer): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  function* gen(): Generator<Buffer> {
    let chunk: Buffer[] = [];
    let size = 0;
    for (let i = 0; i < count; i++) {
      chunk.push(make(i));
      size += chunk[chunk.length - 1]!.length;
      if (size >= 256 * 1024) {
        size = 0;
        const b = Buffer.concat(chunk);
        pulled += b.length;
        chunk = [];
        yield b;
      }
    }
    const end = Buffer.concat([...chunk, Buffer.alloc(1024)]);
    pulled += end.length;
    yield end;
  }
  return { stream: Readable.from(gen(), { objectMode: false }), pulled: () => pulled };
}

/** A GNU long-name entry ('L') naming the header that follows. */
function longNamed(name: Buffer, typeflag = '0'): Buffer {
  return Buffer.concat([ustarHeader(Buffer.from('../../@LongLink'), name.length, 'L'), padded(name), ustarHeader(name.subarray(0, 100), 0, typeflag)]);
}

async function layerDir(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = join(await tempDir(t), 'layer');
  await mkdir(dir);
  return dir;
}

test('whiteouts with 1 MB names are refused at the first, before the rest of the layer is read', async (t) => {
  const huge = Buffer.concat([Buffer.from('.wh.'), Buffer.alloc((1 << 20) - 600, 'a')]);
  const layer = entries(3000, () => longNamed(huge));
  const total = 3000 * (512 + huge.length + 512);
  const err = await t.throwsAsync(extractTar(layer.stream, await layerDir(t), new FakeFsMeta()), { instanceOf: UnpackError });
  t.regex(err!.message, /longer than PATH_MAX \(4096 bytes\)/);
  t.true(layer.pulled() < total / 100, `read ${layer.pulled()} of ${total} bytes`);
});

test('names are held to NAME_MAX per component and PATH_MAX per path, as Linux does', async (t) => {
  const cases: [Buffer, RegExp][] = [
    [Buffer.from(`d/${'n'.repeat(256)}`), /component longer than NAME_MAX \(255 bytes\)/],
    [Buffer.from(Array.from({ length: 20 }, () => 'x'.repeat(250)).join('/')), /longer than PATH_MAX/],
  ];
  for (const [name, message] of cases) {
    const layer = entries(1, () => longNamed(name));
    const err = await t.throwsAsync(extractTar(layer.stream, await layerDir(t), new FakeFsMeta()), { instanceOf: UnpackError });
    t.regex(err!.message, message);
  }
  // The longest legal shapes pass.
  const ok = entries(1, () => longNamed(Buffer.from(`${'n'.repeat(255)}`)));
  await t.notThrowsAsync(extractTar(ok.stream, await layerDir(t), new FakeFsMeta()));
});

test('metadata goes to the seam in bounded batches while the layer is still being read', async (t) => {
  const count = 30_000;
  const layer = entries(count, (i) => ustarHeader(Buffer.from(`.wh.gone${i}`), 0));
  let firstApplyAt = -1;
  let largest = 0;
  const fake = new FakeFsMeta();
  const counting = {
    apply(ops: readonly FsMetaOp[]) {
      if (firstApplyAt < 0) firstApplyAt = layer.pulled();
      largest = Math.max(largest, ops.length);
      return fake.apply(ops);
    },
  };
  const dir = await layerDir(t);
  await extractTar(layer.stream, dir, counting);
  t.true(largest <= 8192 + 16, `largest batch ${largest} ops`);
  t.true(firstApplyAt >= 0 && firstApplyAt < layer.pulled() / 2, `first batch after ${firstApplyAt} of ${layer.pulled()} bytes`);
  t.deepEqual(fake.node(join(dir, 'gone29999'))?.special, { type: 'char', major: 0, minor: 0 });
});

// Each replacement costs what it replaces, not the layer: with a scan of every known path
// per replacement (the old LayerTree.remove) this layer takes ~10^10 steps and times out
// (measured: 20,000 + 20,000 took 22 s there, growing with the square).
test('replacing one path 150,000 times among 30,000 others stays linear', async (t) => {
  const [n, m] = [30_000, 150_000];
  const layer = entries(n + m, (i) => ustarHeader(Buffer.from(i < n ? `.wh.other${i}` : '.wh.same'), 0));
  const dir = await layerDir(t);
  const fake = new FakeFsMeta();
  await extractTar(layer.stream, dir, fake);
  t.deepEqual(fake.node(join(dir, 'same'))?.special, { type: 'char', major: 0, minor: 0 });
  t.truthy(fake.node(join(dir, `other${n - 1}`)));
});
