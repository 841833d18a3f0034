import test from 'ava';
import { Rollback } from '../../../src/rollback.js';

test('unwind runs undo steps newest first and forgets them', async (t) => {
  const done: string[] = [];
  const rb = new Rollback();
  rb.push('a', () => done.push('a'));
  rb.push('b', async () => { done.push('b'); });
  t.deepEqual(rb.pending, ['a', 'b']);
  await rb.unwind(() => t.fail());
  t.deepEqual(done, ['b', 'a']);
  t.deepEqual(rb.pending, []);
});

test('a failing undo step is logged and the older steps still run', async (t) => {
  const done: string[] = [];
  const failed: string[] = [];
  const rb = new Rollback();
  rb.push('a', () => done.push('a'));
  rb.push('b', () => { throw new Error('busy'); });
  await rb.unwind((what, err) => failed.push(`${what}: ${err.message}`));
  t.deepEqual(done, ['a']);
  t.deepEqual(failed, ['b: busy']);
});

test('run unwinds on failure and rethrows the original error; on success nothing is undone', async (t) => {
  const done: string[] = [];
  await t.throwsAsync(
    Rollback.run(() => {}, async (rb) => {
      rb.push('first', () => done.push('first'));
      throw new Error('step 2 failed');
    }),
    { message: 'step 2 failed' },
  );
  t.deepEqual(done, ['first']);
  const value = await Rollback.run(() => {}, async (rb) => {
    rb.push('kept', () => done.push('kept'));
    return 42;
  });
  t.is(value, 42);
  t.deepEqual(done, ['first']);
});
