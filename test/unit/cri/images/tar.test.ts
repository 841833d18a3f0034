import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { FakeFsMeta } from '../../../../src/host/image-fs/fake.js';
import { LayerStore } from '../../../../src/cri/images/snapshots.js';
import { extractTar, UnpackError } from '../../../../src/cri/images/unpack.js';
import { tempDir } from '../../../helpers/cni.js';
import { padded, tarOf, ustarHeader } from '../../../helpers/tar.js';

// Where a layer tar may end (Go's archive/tar, as containerd reads layers) and where it may not.

const ENTRIES = [
  { name: 'etc/', type: 'directory' as const },
  { name: 'etc/first', body: 'one' },
  { name: 'etc/last', body: 'hello world\n' },
];

async function unpack(t: Parameters<typeof tempDir>[0], bytes: Buffer): Promise<string> {
  const dir = join(await tempDir(t), 'layer');
  await mkdir(dir);
  // Small chunks: the cut must be found wherever a chunk boundary falls.
  const chunks = Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) => bytes.subarray(i * 100, i * 100 + 100));
  await extractTar(Readable.from(chunks), dir, new FakeFsMeta());
  return dir;
}

/** The full archive, and where the last entry's data ends. */
async function archive(): Promise<{ full: Buffer; dataEnd: number }> {
  const full = await tarOf(ENTRIES);
  const padding = (512 - ('hello world\n'.length % 512)) % 512;
  return { full, dataEnd: full.length - 1024 - padding };
}

test('a layer ending right after its last entry\'s data (umoci 0.4.7 insert) unpacks whole', async (t) => {
  const { full, dataEnd } = await archive();
  const cases: [string, number][] = [
    ['complete', full.length],
    ['one end-of-archive block', full.length - 512],
    ['no end-of-archive blocks', full.length - 1024],
    ['half the padding', dataEnd + 100],
    ['no padding, no end blocks', dataEnd],
  ];
  for (const [what, end] of cases) {
    const dir = await unpack(t, full.subarray(0, end));
    t.is(await readFile(join(dir, 'etc/last'), 'utf8'), 'hello world\n', what);
    t.is(await readFile(join(dir, 'etc/first'), 'utf8'), 'one', what);
  }
});

test('a layer cut inside an entry\'s data, a header or an end block is refused', async (t) => {
  const { full, dataEnd } = await archive();
  const cases: [string, number, RegExp][] = [
    ['inside the last data', dataEnd - 5, /cut inside the data of "etc\/last"/],
    ['before any of the last data', dataEnd - 12, /cut inside the data of "etc\/last"/],
    ['inside the last header', dataEnd - 12 - 300, /cut inside a header/],
    ['inside the first end block', full.length - 1024 + 100, /cut inside a header/],
    ['inside the second end block', full.length - 512 + 100, /cut inside its end-of-archive blocks/],
  ];
  for (const [what, end, message] of cases) {
    const err = await t.throwsAsync(unpack(t, full.subarray(0, end)), { instanceOf: UnpackError }, what);
    t.regex(err?.message ?? '', message, what);
  }
});

test('LayerStore: a truncated layer verifies against the digest of the bytes it has', async (t) => {
  const root = await tempDir(t);
  const layers = new LayerStore(join(root, 'layers'), new FakeFsMeta());
  const { dataEnd, full } = await archive();
  const cut = full.subarray(0, dataEnd);
  await writeFile(join(root, 'blob'), gzipSync(cut));
  const dir = await layers.unpack(`sha256:${createHash('sha256').update(cut).digest('hex')}`, join(root, 'blob'));
  t.deepEqual((await readdir(join(dir, 'etc'))).sort(), ['first', 'last']);
});

test('old header forms: a NUL type flag on a name ending in "/" is a directory; GNU long names', async (t) => {
  const long = `${'d'.repeat(200)}/${'f'.repeat(200)}`;
  const tar = Buffer.concat([
    ustarHeader(Buffer.from('olddir/'), 0, '\0'),
    ustarHeader(Buffer.from('olddir/f'), 2, '\0'), padded(Buffer.from('ok')),
    ustarHeader(Buffer.from('../../@LongLink'), long.length, 'L'), padded(Buffer.from(long)),
    ustarHeader(Buffer.from(long.slice(0, 100)), 1), padded(Buffer.from('L')),
    Buffer.alloc(1024),
  ]);
  const dir = await unpack(t, tar);
  t.true((await lstat(join(dir, 'olddir'))).isDirectory());
  t.is(await readFile(join(dir, 'olddir/f'), 'utf8'), 'ok');
  t.is(await readFile(join(dir, long), 'utf8'), 'L');
});
