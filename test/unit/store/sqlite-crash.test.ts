import test from 'ava';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteStore } from '../../../src/store/sqlite.js';

// kill -9 in the middle of a stream of writes: every write the child acknowledged (printed
// after its promise resolved) is there after reopening, and the file passes integrity_check.

const sqliteUrl = new URL('../../../src/store/sqlite.js', import.meta.url).href;
const WRITER = `
import { writeSync } from 'node:fs';
const { SqliteStore } = await import(${JSON.stringify(sqliteUrl)});
const store = new SqliteStore({ path: process.argv[1], autoCompact: false });
const big = Buffer.alloc(32 * 1024, 'x');
let counter = await store.create('/counter', Buffer.from('0'));
for (let i = 1; ; i++) {
  await store.create('/items/' + String(i).padStart(8, '0'), Buffer.concat([Buffer.from(String(i) + ':'), big]));
  counter = await store.update('/counter', Buffer.from(String(i)), counter);
  if (i % 7 === 0) await store.delete('/items/' + String(i - 1).padStart(8, '0'));
  writeSync(1, i + '\\n');
}
`;

test('a SIGKILLed writer loses no acknowledged write and leaves an intact database', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-store-crash-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.db');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    await exited;
  });
  let acked = 0;
  for await (const line of createInterface({ input: child.stdout! })) {
    acked = Number(line);
    if (acked >= 400) {
      process.kill(child.pid!, 'SIGKILL');
      break;
    }
  }
  await exited;
  t.is(child.signalCode, 'SIGKILL');

  const raw = new Database(path, { readonly: true });
  t.is(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
  const store = new SqliteStore({ path, autoCompact: false });
  t.teardown(() => store.close());
  t.true(Number((await store.get('/counter'))!.value.toString()) >= acked);
  for (let i = 1; i <= acked; i++) {
    const kv = await store.get(`/items/${String(i).padStart(8, '0')}`);
    const deleted = (i + 1) % 7 === 0 && i + 1 <= acked;
    if (deleted) t.is(kv, undefined, `item ${i} was deleted`);
    else t.is(kv?.value.subarray(0, String(i).length + 1).toString(), `${i}:`, `item ${i}`);
  }
  // The reopened store goes on from where the child stopped.
  const rev = await store.revision();
  t.is(await store.create('/after-crash', Buffer.from('x')), rev + 1);
});
