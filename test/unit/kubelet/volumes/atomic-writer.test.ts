import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/host/clock.js';
import { FakeFiles } from '../../../../src/host/files/fake.js';
import { RealFiles } from '../../../../src/host/files/real.js';
import type { Files } from '../../../../src/host/files/types.js';
import { type FileProjection, validatePayloadPath, writeAtomicDir } from '../../../../src/kubelet/volumes/atomic-writer.js';
import { VolumeError } from '../../../../src/kubelet/volumes/errors.js';

const DIR = '/vol';
const file = (text: string, mode = 0o644): FileProjection => ({ data: new TextEncoder().encode(text), mode });
const payload = (entries: Record<string, FileProjection>) => new Map(Object.entries(entries));

async function setup(): Promise<{ files: FakeFiles; clock: FakeClock }> {
  const files = new FakeFiles();
  await files.mkdir(DIR);
  return { files, clock: new FakeClock(Date.UTC(2026, 11, 7, 23, 4, 5)) };
}

test('the first write: a ..<UTC time>.<n> directory with the files, ..data pointing at it, top-level entries linked through ..data', async (t) => {
  const deps = await setup();
  t.true(await writeAtomicDir(deps, DIR, payload({ 'a.conf': file('A', 0o600), 'sub/b': file('B') })));
  const { files } = deps;
  const ts = await files.readlink(join(DIR, '..data'));
  t.regex(ts, /^\.\.2026_12_07_23_04_05\.\d+$/);
  t.is(await files.readlink(join(DIR, 'a.conf')), '..data/a.conf');
  t.is(await files.readlink(join(DIR, 'sub')), '..data/sub');
  t.is(await files.readText(join(DIR, 'sub', 'b')), 'B');
  t.like(await files.stat(join(DIR, 'a.conf')), { kind: 'file', mode: 0o600 });
  t.like(await files.stat(join(DIR, ts)), { mode: 0o755 });
  t.deepEqual((await files.list(DIR)).sort(), [ts, '..data', 'a.conf', 'sub'].sort());
});

test('an update is a new directory swapped in; keys gone from the payload vanish, the old directory is removed', async (t) => {
  const deps = await setup();
  const { files } = deps;
  await writeAtomicDir(deps, DIR, payload({ a: file('1'), b: file('1'), 'd/x': file('x') }));
  const first = await files.readlink(join(DIR, '..data'));
  deps.clock.advance(1000);
  t.true(await writeAtomicDir(deps, DIR, payload({ a: file('2') })));
  const second = await files.readlink(join(DIR, '..data'));
  t.not(second, first);
  t.is(await files.readText(join(DIR, 'a')), '2');
  t.is(await files.lstat(join(DIR, 'b')), undefined);
  t.is(await files.lstat(join(DIR, 'd')), undefined);
  t.deepEqual((await files.list(DIR)).sort(), [second, '..data', 'a'].sort());
});

test('unchanged contents are not written again, but a missing user-visible link is made again', async (t) => {
  const deps = await setup();
  const { files } = deps;
  await writeAtomicDir(deps, DIR, payload({ a: file('same') }));
  const ts = await files.readlink(join(DIR, '..data'));
  await files.remove(join(DIR, 'a'));
  t.false(await writeAtomicDir(deps, DIR, payload({ a: file('same') })));
  t.is(await files.readlink(join(DIR, '..data')), ts);
  t.is(await files.readText(join(DIR, 'a')), 'same');
});

test('bytes that are not UTF-8 are written again rather than compared through text', async (t) => {
  const deps = await setup();
  const bin: FileProjection = { data: new Uint8Array([0xff, 0xfe, 0x00]), mode: 0o644 };
  await writeAtomicDir(deps, DIR, payload({ b: bin }));
  t.true(await writeAtomicDir(deps, DIR, payload({ b: bin })));
});

test('paths as upstream validates them: relative, no .., not starting with .., not empty', async (t) => {
  t.is(validatePayloadPath('a/b'), undefined);
  t.is(validatePayloadPath('/etc/passwd'), 'invalid path: must be relative path: /etc/passwd');
  t.is(validatePayloadPath('a/../../x'), "invalid path: must not contain '..': a/../../x");
  t.is(validatePayloadPath('..data'), "invalid path: must not start with '..': ..data");
  t.is(validatePayloadPath(''), 'invalid path: must not be empty: ""');
  t.is(validatePayloadPath(`${'x'.repeat(256)}`), 'invalid path: filenames must be less than or equal to 255 characters');
  const deps = await setup();
  const err = await t.throwsAsync(writeAtomicDir(deps, DIR, payload({ '../escape': file('x') })), { instanceOf: VolumeError });
  t.is(err?.message, "invalid path: must not contain '..': ../escape");
  t.deepEqual(await deps.files.list(DIR), [], 'nothing written for a bad payload');
});

test('a failure while writing leaves the old contents published and no new directory', async (t) => {
  const deps = await setup();
  const { files } = deps;
  await writeAtomicDir(deps, DIR, payload({ a: file('old') }));
  const before = (await files.list(DIR)).sort();
  await t.throwsAsync(writeAtomicDir(deps, DIR, payload({ a: file('new') }), () => Promise.reject(new Error('chown failed'))), { message: 'chown failed' });
  t.deepEqual((await files.list(DIR)).sort(), before);
  t.is(await files.readText(join(DIR, 'a')), 'old');
});

test('real disk: a reader holding the old ..data keeps reading old files while the new ones appear together', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-aw-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files: Files = new RealFiles();
  const deps = { files, clock: new FakeClock() };
  await writeAtomicDir(deps, dir, payload({ a: file('a1'), b: file('b1') }));
  const oldData = await files.realpath(join(dir, '..data'));
  deps.clock.advance(1000);
  await writeAtomicDir(deps, dir, payload({ a: file('a2'), b: file('b2') }));
  t.deepEqual([await files.readText(join(dir, 'a')), await files.readText(join(dir, 'b'))], ['a2', 'b2']);
  t.is(await files.stat(oldData), undefined, 'the old directory is gone once the new one is published');
  t.like(await files.lstat(join(dir, '..data')), { kind: 'symlink' });
});
