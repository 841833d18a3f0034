import { execFile } from 'node:child_process';
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import test from 'ava';
import { extractTar } from '../../src/cri/images/unpack.js';
import { RealFsMeta } from '../../src/host/image-fs/real.js';
import { tempDir } from '../helpers/cni.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { padded, tarOf, ustarHeader } from '../helpers/tar.js';

// The unpack against the kernel (the addon's fsApply): what containerd 1.6 accepts, with
// the bytes of names and xattr values kept (issue 12, item 9).
const rt = rootOnly(test);
const run = promisify(execFile);

/** A PAX 'x' header carrying records whose values are raw bytes. */
function paxHeader(records: [string, Buffer][]): Buffer {
  const body = Buffer.concat(records.map(([k, v]) => {
    const rest = Buffer.concat([Buffer.from(` ${k}=`), v, Buffer.from('\n')]);
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    return Buffer.concat([Buffer.from(String(len)), rest]);
  }));
  return Buffer.concat([ustarHeader(Buffer.from('PaxHeaders/x'), body.length, 'x'), padded(body)]);
}

/** xattr of a path given as bytes, read by Python (Node has no getxattr). */
async function getxattr(path: Buffer, name: string): Promise<Buffer | undefined> {
  const script = 'import os,sys\ntry: sys.stdout.write(os.getxattr(bytes.fromhex(sys.argv[1]), sys.argv[2], follow_symlinks=False).hex())\nexcept OSError: pass';
  const { stdout } = await run('python3', ['-c', script, path.toString('hex'), name]);
  return stdout ? Buffer.from(stdout, 'hex') : undefined;
}

if (isRoot) {
  rt('non-UTF-8 names, binary capabilities and unknown xattr namespaces, through the real addon', async (t) => {
    const dir = join(await tempDir(t), 'layer');
    await mkdir(dir);
    const name = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // Latin-1 "café"
    // VFS_CAP_REVISION_2, effective, CAP_NET_BIND_SERVICE permitted.
    const cap = Buffer.alloc(20);
    cap.writeUInt32LE(0x02000001, 0);
    cap.writeUInt32LE(1 << 10, 4);
    const tar = Buffer.concat([
      paxHeader([['SCHILY.xattr.security.capability', cap], ['SCHILY.xattr.USER.x', Buffer.from('a')], ['SCHILY.xattr.user.note', Buffer.from('b')]]),
      ustarHeader(name, 3), padded(Buffer.from('bin')),
      ustarHeader(Buffer.concat([Buffer.from('d/.wh.'), name]), 0),
      Buffer.alloc(1024),
    ]);
    await extractTar(Readable.from([tar]), dir, new RealFsMeta());
    const file = Buffer.concat([Buffer.from(`${dir}/`), name]);
    t.true((await readdir(dir, { encoding: 'buffer' })).some((n) => n.equals(name)));
    t.deepEqual(await getxattr(file, 'security.capability'), cap);
    t.deepEqual(await getxattr(file, 'user.note'), Buffer.from('b'));
    const whiteout = await lstat(Buffer.concat([Buffer.from(`${dir}/d/`), name]));
    t.true(whiteout.isCharacterDevice());
    t.is(whiteout.rdev, 0);
  });

  rt('a hard link keeps its inode\'s metadata when the name it linked to is replaced', async (t) => {
    const dir = join(await tempDir(t), 'layer');
    await mkdir(dir);
    const tar = await tarOf([
      { name: 'a', body: 'first', mode: 0o4750, uid: 5, gid: 6 },
      { name: 'b', type: 'link', linkname: 'a' },
      { name: 'a', body: 'second', mode: 0o644 },
    ]);
    await extractTar(Readable.from([tar]), dir, new RealFsMeta());
    const b = await lstat(join(dir, 'b'));
    t.is(await readFile(join(dir, 'b'), 'utf8'), 'first');
    t.is(b.mode & 0o7777, 0o4750);
    t.deepEqual([b.uid, b.gid], [5, 6]);
    t.is((await lstat(join(dir, 'a'))).mode & 0o7777, 0o644);
  });
}
