import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyedLock } from '../../../../src/cri/state/locks.js';
import { RecordStore } from '../../../../src/cri/state/store.js';

interface Rec { id: string; name: string; n: number }

async function dir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-state-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

const open = (d: string) => RecordStore.open<Rec>(d, 'sandbox', (r) => r.name);

test('records survive a reopen, as after a restart', async (t) => {
  const d = await dir(t);
  const { store } = await open(d);
  const id = RecordStore.newId();
  await store.add({ id, name: 'web_default_uid_0', n: 1 });
  await store.update(id, (r) => void (r.n = 2));
  const again = (await open(d)).store;
  t.deepEqual(again.find(id), { id, name: 'web_default_uid_0', n: 2 });
});

test('a name is reserved while its record exists: a second create is AlreadyExists', async (t) => {
  const { store } = await open(await dir(t));
  const first = RecordStore.newId();
  await store.add({ id: first, name: 'web', n: 0 });
  const err = await t.throwsAsync(store.add({ id: RecordStore.newId(), name: 'web', n: 0 }));
  t.is((err as { kind?: string }).kind, 'alreadyExists');
  t.regex(err!.message, new RegExp(first));
  await store.delete(first);
  await t.notThrowsAsync(store.add({ id: RecordStore.newId(), name: 'web', n: 0 }));
});

test('ids resolve by unique prefix; ambiguous prefixes are InvalidArgument, unknown NotFound', async (t) => {
  const { store } = await open(await dir(t));
  await store.add({ id: 'ab12' + '0'.repeat(60), name: 'a', n: 0 });
  await store.add({ id: 'ab34' + '0'.repeat(60), name: 'b', n: 0 });
  t.is(store.find('ab1')?.name, 'a');
  t.is((t.throws(() => store.find('ab')) as { kind?: string }).kind, 'invalidArgument');
  t.is((t.throws(() => store.mustGet('ff')) as { kind?: string }).kind, 'notFound');
  t.is(store.find('ff'), undefined);
});

test('a torn write from a crash is skipped and removed; a corrupt record is reported, not fatal', async (t) => {
  const d = await dir(t);
  const { store } = await open(d);
  await store.add({ id: 'a'.repeat(64), name: 'ok', n: 0 });
  await writeFile(join(d, '.bbbb.1234'), '{"id":');
  await writeFile(join(d, `${'c'.repeat(64)}.json`), 'not json');
  const { store: again, errors } = await open(d);
  t.is(again.list().length, 1);
  t.is(errors.length, 1);
  t.false((await readdir(d)).some((f) => f.startsWith('.')));
});

test('a failed update leaves the stored record unchanged', async (t) => {
  const d = await dir(t);
  const { store } = await open(d);
  const id = 'd'.repeat(64);
  await store.add({ id, name: 'x', n: 1 });
  await rm(d, { recursive: true });
  await t.throwsAsync(store.update(id, (r) => void (r.n = 5)));
  t.is(store.find(id)?.n, 1);
});

test('KeyedLock runs one operation per key at a time, in order, and keys do not block each other', async (t) => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const slow = (tag: string, ms: number) => async () => {
    log.push(`${tag}+`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`${tag}-`);
  };
  await Promise.all([lock.run('a', slow('a1', 20)), lock.run('a', slow('a2', 1)), lock.run('b', slow('b1', 1))]);
  t.true(log.indexOf('a1-') < log.indexOf('a2+'));
  t.true(log.indexOf('b1-') < log.indexOf('a1-'));
  await t.throwsAsync(lock.run('a', async () => { throw new Error('boom'); }));
  t.is(await lock.run('a', async () => 42), 42);
});
