import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { FakeFsMeta } from '../../../../src/host/image-fs/fake.js';
import { DigestMismatch } from '../../../../src/cri/images/content.js';
import { LayerStore } from '../../../../src/cri/images/snapshots.js';
import { cleanPath, extractTar, paxTime, UnpackError } from '../../../../src/cri/images/unpack.js';
import { tempDir } from '../../../helpers/cni.js';
import { tarOf, type TarEntrySpec } from '../../../helpers/tar.js';

// Unpack rules against the fake metadata seam: the bytes, dirs, links land on disk in a temp
// dir; device nodes, ownership, modes, times and xattrs land in the fake's table.

type Entry = TarEntrySpec;

async function unpacked(t: Parameters<typeof tempDir>[0], entries: Entry[]): Promise<{ dir: string; fs: FakeFsMeta }> {
  const dir = join(await tempDir(t), 'layer');
  await mkdir(dir);
  const fs = new FakeFsMeta();
  await extractTar(Readable.from([await tarOf(entries)]), dir, fs);
  return { dir, fs };
}

/** A zstd frame of raw (stored) blocks: what fzstd must read, without a zstd encoder. */
function zstdStored(data: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0]), Buffer.alloc(4)];
  parts[1]!.writeUInt32LE(data.length);
  for (let off = 0; off < data.length || off === 0; off += 131072) {
    const block = data.subarray(off, off + 131072);
    const last = off + 131072 >= data.length ? 1 : 0;
    const h = (block.length << 3) | last;
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), block);
    if (data.length === 0) break;
  }
  return Buffer.concat(parts);
}

test('files, dirs, symlinks and hard links land with their metadata', async (t) => {
  const { dir, fs } = await unpacked(t, [
    { name: 'bin/', type: 'directory', mode: 0o755 },
    { name: 'bin/tool', body: 'x', mode: 0o4755, uid: 0, gid: 0, mtime: new Date(1_600_000_000_000) },
    { name: 'tmp', type: 'directory', mode: 0o1777 },
    { name: 'home/app', type: 'directory', mode: 0o700, uid: 1000, gid: 1000 },
    { name: './etc/motd', body: 'hi\n', pax: { mtime: '1600000000.123456789' } },
    { name: 'bin/sh', type: 'symlink', linkname: 'tool' },
    { name: 'bin/same', type: 'link', linkname: 'bin/tool' },
  ]);
  t.is(await readFile(join(dir, 'etc/motd'), 'utf8'), 'hi\n');
  t.is(await readlink(join(dir, 'bin/sh')), 'tool');
  t.is((await stat(join(dir, 'bin/same'))).ino, (await stat(join(dir, 'bin/tool'))).ino);
  t.is(fs.node(join(dir, 'bin/tool'))?.mode, 0o4755);
  t.is(fs.node(join(dir, 'tmp'))?.mode, 0o1777);
  t.deepEqual([fs.node(join(dir, 'home/app'))?.uid, fs.node(join(dir, 'home/app'))?.gid], [1000, 1000]);
  t.is(fs.node(join(dir, 'etc'))?.mode, undefined, 'an implicit parent gets no header metadata');
  t.is(fs.node(join(dir, 'etc/motd'))?.mtimeNs, 1_600_000_000_123_456_789n);
  t.is(fs.node(join(dir, 'bin/tool'))?.mtimeNs, 1_600_000_000_000_000_000n);
  t.is(fs.node(join(dir, 'bin/sh'))?.mode, undefined, 'a symlink has no mode of its own');
});

test('whiteouts become char 0:0 nodes, .wh..wh..opq the opaque xattr; no .wh. file remains', async (t) => {
  const { dir, fs } = await unpacked(t, [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.motd', uid: 5, gid: 6 },
    { name: 'data/old/.wh..wh..opq' },
    { name: 'data/old/c', body: 'c' },
    { name: '.wh..wh.plnk', type: 'directory' },
  ]);
  t.deepEqual(fs.node(join(dir, 'etc/motd'))?.special, { type: 'char', major: 0, minor: 0 });
  t.deepEqual([fs.node(join(dir, 'etc/motd'))?.uid, fs.node(join(dir, 'etc/motd'))?.gid], [5, 6]);
  t.is(fs.node(join(dir, 'data/old'))?.xattrs.get('trusted.overlay.opaque')?.toString(), 'y');
  t.deepEqual((await readdir(dir)).sort(), ['data', 'etc']);
  t.deepEqual(await readdir(join(dir, 'data/old')), ['c']);
});

test('devices and fifos are made with their numbers and modes', async (t) => {
  const { dir, fs } = await unpacked(t, [
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660 },
    { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    { name: 'dev/null2', type: 'link', linkname: 'dev/null' },
  ]);
  t.deepEqual(fs.node(join(dir, 'dev/null'))?.special, { type: 'char', major: 1, minor: 3 });
  t.is(fs.node(join(dir, 'dev/null'))?.mode, 0o666);
  t.deepEqual(fs.node(join(dir, 'dev/loop0'))?.special, { type: 'block', major: 7, minor: 0 });
  t.is(fs.node(join(dir, 'run/fifo'))?.special?.type, 'fifo');
  t.true((await lstat(join(dir, 'dev/null2'))).isFile(), 'the link was made after its target existed');
});

test('xattrs come from SCHILY.xattr.*; trusted.overlay.* from a layer is ignored', async (t) => {
  const { dir, fs } = await unpacked(t, [
    { name: 'f', body: 'f', pax: { 'SCHILY.xattr.user.note': 'hello', 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } },
  ]);
  t.deepEqual([...fs.node(join(dir, 'f'))!.xattrs.keys()], ['user.note']);
  t.is(fs.node(join(dir, 'f'))?.xattrs.get('user.note')?.toString(), 'hello');
});

test('a later entry replaces an earlier one; a directory entry merges into an existing one', async (t) => {
  const { dir } = await unpacked(t, [
    { name: 'a', type: 'symlink', linkname: '/etc' },
    { name: 'a', type: 'directory' },
    { name: 'a/x', body: 'x' },
    { name: 'a', type: 'directory', mode: 0o750 },
    { name: 'f', body: 'old' },
    { name: 'f', body: 'new' },
  ]);
  t.true((await lstat(join(dir, 'a'))).isDirectory());
  t.is(await readFile(join(dir, 'a/x'), 'utf8'), 'x');
  t.is(await readFile(join(dir, 'f'), 'utf8'), 'new');
});

test('path traversal is refused and writes nothing outside the layer', async (t) => {
  const cases: Entry[][] = [
    [{ name: '../escape', body: 'x' }],
    [{ name: 'a/../../escape', body: 'x' }],
    [{ name: 'lnk', type: 'symlink', linkname: '..' }, { name: 'lnk/escape', body: 'x' }],
    [{ name: 'lnk', type: 'symlink', linkname: '/' }, { name: 'lnk/escape', body: 'x' }],
    [{ name: 'hl', type: 'link', linkname: '../../etc/passwd' }],
    [{ name: 'hl', type: 'link', linkname: '/etc/passwd' }],
    [{ name: 'lnk', type: 'symlink', linkname: '/etc' }, { name: 'hl', type: 'link', linkname: 'lnk/passwd' }],
    [{ name: 'd', type: 'directory' }, { name: 'hl', type: 'link', linkname: 'd' }],
    [{ name: '.wh...', body: '' }],
  ];
  for (const entries of cases) {
    const base = await tempDir(t);
    const dir = join(base, 'layer');
    await mkdir(dir);
    const err = await t.throwsAsync(extractTar(Readable.from([await tarOf(entries)]), dir, new FakeFsMeta()));
    t.true(err instanceof UnpackError, `${JSON.stringify(entries)}: ${err?.message}`);
    t.deepEqual(await readdir(base), ['layer'], 'nothing beside the layer');
  }
  t.deepEqual(cleanPath('./a//b/./c/'), ['a', 'b', 'c']);
  t.is(paxTime('-1.5'), -1_500_000_000n);
});

test('LayerStore: gzip, zstd and plain blobs unpack under their diffID; a wrong diffID leaves nothing', async (t) => {
  const root = await tempDir(t);
  const layers = new LayerStore(join(root, 'layers'), new FakeFsMeta());
  const tarball = await tarOf([{ name: 'hello', body: 'world' }]);
  const diffId = `sha256:${createHash('sha256').update(tarball).digest('hex')}`;
  for (const [name, blob] of [['gz', gzipSync(tarball)], ['zst', zstdStored(tarball)], ['tar', tarball]] as const) {
    await writeFile(join(root, name), blob);
    const dir = await layers.unpack(diffId, join(root, name));
    t.is(await readFile(join(dir, 'hello'), 'utf8'), 'world', name);
    await layers.remove(diffId);
    await layers.remove(diffId);
  }
  const wrong = `sha256:${'1'.repeat(64)}`;
  await t.throwsAsync(layers.unpack(wrong, join(root, 'gz')), { instanceOf: DigestMismatch });
  t.deepEqual(await readdir(join(root, 'layers')), [], 'no layer and no temp dir left');
  await writeFile(join(root, 'bad'), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 7)]));
  await t.throwsAsync(layers.unpack(diffId, join(root, 'bad')));
  t.deepEqual(await readdir(join(root, 'layers')), []);
});

test('LayerStore: concurrent unpacks of one layer share one job', async (t) => {
  const root = await tempDir(t);
  let batches = 0;
  const fs = new FakeFsMeta();
  const counting = { apply: (ops: Parameters<FakeFsMeta['apply']>[0]) => { batches++; return fs.apply(ops); } };
  const layers = new LayerStore(join(root, 'layers'), counting);
  const tarball = await tarOf([{ name: 'd', type: 'directory' }, { name: 'd/f', body: 'f' }]);
  const diffId = `sha256:${createHash('sha256').update(tarball).digest('hex')}`;
  await writeFile(join(root, 'blob'), gzipSync(tarball));
  const dirs = await Promise.all(Array.from({ length: 4 }, () => layers.unpack(diffId, join(root, 'blob'))));
  t.is(new Set(dirs).size, 1);
  t.is(batches, 2, 'one unpack: one batch of entries, one of directory times');
  t.deepEqual(await layers.list(), [diffId]);
});
