import { mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import { FakeFsMeta } from '../../../../src/host/image-fs/fake.js';
import { extractTar, UnpackError } from '../../../../src/cri/images/unpack.js';
import { tempDir } from '../../../helpers/cni.js';
import { padded, tarOf, ustarHeader, type TarEntrySpec } from '../../../helpers/tar.js';

// Layers containerd 1.6 takes and skiff refused or changed (issue 12, item 9).

async function layer(t: Parameters<typeof tempDir>[0], tar: Buffer): Promise<{ dir: string; fs: FakeFsMeta }> {
  const dir = join(await tempDir(t), 'layer');
  await mkdir(dir);
  const fs = new FakeFsMeta();
  await extractTar(Readable.from([tar]), dir, fs);
  return { dir, fs };
}
const unpacked = async (t: Parameters<typeof tempDir>[0], entries: TarEntrySpec[]) => layer(t, await tarOf(entries));

test('an xattr outside the namespaces Linux knows (USER.x) is skipped, as the kernel\'s EOPNOTSUPP is by containerd', async (t) => {
  const { dir, fs } = await unpacked(t, [{ name: 'f', body: 'f', pax: { 'SCHILY.xattr.USER.x': 'a', 'SCHILY.xattr.user.x': 'b', 'SCHILY.xattr.bogus': 'c' } }]);
  t.deepEqual([...fs.node(join(dir, 'f'))!.xattrs.keys()], ['user.x']);
});

test('binary xattr values keep their bytes', async (t) => {
  // A PAX record holds bytes; tar-stream decoded them as UTF-8, so capabilities were dropped.
  const value = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x00, 0x00]);
  const record = Buffer.concat([Buffer.from(' SCHILY.xattr.security.capability='), value, Buffer.from('\n')]);
  const len = record.length + String(record.length + 3).length;
  const pax = Buffer.concat([Buffer.from(String(len)), record]);
  const tar = Buffer.concat([ustarHeader(Buffer.from('PaxHeaders/f'), pax.length, 'x'), padded(pax), ustarHeader(Buffer.from('f'), 0), Buffer.alloc(1024)]);
  const { dir, fs } = await layer(t, tar);
  t.deepEqual(fs.node(join(dir, 'f'))?.xattrs.get('security.capability'), value);
});

test('file names that are not UTF-8 keep their bytes (files, dirs, whiteouts, link targets)', async (t) => {
  const latin = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1
  const dirName = Buffer.from([0x64, 0xff]);
  const tar = Buffer.concat([
    ustarHeader(latin, 2), padded(Buffer.from('hi')),
    ustarHeader(Buffer.concat([dirName, Buffer.from('/')]), 0, '5'),
    ustarHeader(Buffer.concat([dirName, Buffer.from('/.wh.'), latin]), 0),
    ustarHeader(Buffer.from('sym'), 0, '2', latin),
    ustarHeader(Buffer.from('hard'), 0, '1', latin),
    Buffer.alloc(1024),
  ]);
  const { dir, fs } = await layer(t, tar);
  const names = await readdir(dir, { encoding: 'buffer' });
  t.true(names.some((n) => n.equals(latin)), `names: ${names.map((n) => n.toString('hex'))}`);
  t.true(names.some((n) => n.equals(dirName)));
  t.is(await readFile(Buffer.concat([Buffer.from(`${dir}/`), latin]), 'utf8'), 'hi');
  const whiteout = Buffer.concat([Buffer.from(`${dir}/`), dirName, Buffer.from('/'), latin]);
  t.deepEqual(fs.node(whiteout)?.special, { type: 'char', major: 0, minor: 0 });
  t.is(fs.node(Buffer.concat([Buffer.from(`${dir}/`), dirName]))?.mode, 0o644 & 0o7777, 'metadata reached the dir by its bytes');
  t.is(await readFile(join(dir, 'hard'), 'utf8'), 'hi', 'a hard link found its non-UTF-8 target');
  t.deepEqual(await readlink(join(dir, 'sym'), { encoding: 'buffer' }), latin, 'a symlink target keeps its bytes');
});

test('"a/../x" is cleaned within the layer, as containerd does; only what climbs out is refused', async (t) => {
  const { dir } = await unpacked(t, [
    { name: 'a/../x', body: 'x' },
    { name: './b/c/../../y', body: 'y' },
    { name: 'd/', type: 'directory' },
    { name: 'd/../z', type: 'link', linkname: 'd/../x' },
  ]);
  t.deepEqual((await readdir(dir)).sort(), ['d', 'x', 'y', 'z'], 'no "a" or "b": the names are cleaned before anything is made');
  t.is(await readFile(join(dir, 'z'), 'utf8'), 'x');
  for (const name of ['../x', 'a/../../x', '/../x']) {
    await t.throwsAsync(unpacked(t, [{ name, body: 'x' }]), { instanceOf: UnpackError, message: /climbs out of the layer/ }, name);
  }
});
