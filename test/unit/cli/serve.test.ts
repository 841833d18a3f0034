import { EventEmitter } from 'node:events';
import test from 'ava';
import { serveUntilSignal, type ServeIo } from '../../../src/cli/serve.js';

/** A process stand-in: signals are emitted by the test, exit is recorded, not taken. */
function fakeIo() {
  const signals = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  const io: ServeIo = { signals, exit: (code) => exits.push(code), log: (line) => lines.push(line) };
  return { io, signals, lines, exits };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('serves until the first signal, then closes in the given order and exits 0', async (t) => {
  const { io, signals, lines, exits } = fakeIo();
  const closed: string[] = [];
  const done = serveUntilSignal('skiff test', async () => ({
    on: '/run/test.sock',
    closers: ['socket', 'streaming', 'store'].map((name) => ({ name, close: async () => void closed.push(name) })),
  }), io);
  await tick();
  t.deepEqual(lines, ['skiff test: serving on /run/test.sock']);
  t.deepEqual(closed, []);
  signals.emit('SIGTERM', 'SIGTERM');
  t.is(await done, 0);
  t.deepEqual(closed, ['socket', 'streaming', 'store']);
  t.deepEqual(lines.slice(1), ['skiff test: SIGTERM, shutting down', 'skiff test: stopped']);
  t.deepEqual(exits, []);
  t.is(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'), 0);
});

test('a close that fails is logged, the later ones still run, and the status is 1', async (t) => {
  const { io, signals, lines } = fakeIo();
  const closed: string[] = [];
  const done = serveUntilSignal('skiff test', async () => ({
    on: 'x',
    closers: [
      { name: 'the socket', close: () => Promise.reject(new Error('EBUSY')) },
      { name: 'the store', close: async () => void closed.push('store') },
    ],
  }), io);
  await tick();
  signals.emit('SIGINT', 'SIGINT');
  t.is(await done, 1);
  t.deepEqual(closed, ['store']);
  t.true(lines.includes('skiff test: closing the socket failed: EBUSY'));
  t.is(lines.at(-1), 'skiff test: stopped, not cleanly');
});

test('a second signal while closing exits at once with status 1', async (t) => {
  const { io, signals, exits, lines } = fakeIo();
  let release: () => void = () => undefined;
  const done = serveUntilSignal('skiff test', async () => ({
    on: 'x',
    closers: [{ name: 'a stuck socket', close: () => new Promise<void>((resolve) => (release = resolve)) }],
  }), io);
  await tick();
  signals.emit('SIGTERM', 'SIGTERM');
  await tick();
  t.deepEqual(exits, []);
  signals.emit('SIGINT', 'SIGINT');
  t.deepEqual(exits, [1]);
  t.true(lines.includes('skiff test: SIGINT during shutdown, exiting at once'));
  release();
  t.is(await done, 0);
});

test('a signal that arrives while starting shuts the role down once it has started', async (t) => {
  const { io, signals, lines, exits } = fakeIo();
  let started: () => void = () => undefined;
  const closed: string[] = [];
  const done = serveUntilSignal('skiff test', async () => {
    await new Promise<void>((resolve) => (started = resolve));
    return { on: 'x', closers: [{ name: 'socket', close: async () => void closed.push('socket') }] };
  }, io);
  signals.emit('SIGTERM', 'SIGTERM');
  t.deepEqual(exits, []);
  started();
  t.is(await done, 0);
  t.deepEqual(closed, ['socket']);
  t.deepEqual(lines, ['skiff test: serving on x', 'skiff test: SIGTERM, shutting down', 'skiff test: stopped']);
});

test('a start that fails rejects with its error and stops listening for signals', async (t) => {
  const { io, signals } = fakeIo();
  await t.throwsAsync(serveUntilSignal('skiff test', () => Promise.reject(new Error('EADDRINUSE')), io), { message: 'EADDRINUSE' });
  t.is(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'), 0);
});
