// Following a log with the clock and the files under the test's control: a write wakes the
// reader (no timer needed), the periodic check notices the container has stopped, and a
// client that leaves ends the follow and its watch.
import type { ServerResponse } from 'node:http';
import test from 'ava';
import type { Pod } from '../../../../src/api/types.js';
import { ManualTimers } from '../../../../src/client/timers.js';
import type { CriClient } from '../../../../src/cri/client.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { FakeFiles } from '../../../../src/host/files/fake.js';
import { serveContainerLogs } from '../../../../src/kubelet/server/container-logs.js';

const DIR = '/logs/default_web_u1/app';
const PATH = `${DIR}/0.log`;
const line = (s: number, text: string) => `2026-01-01T00:00:0${s}.000000000Z stdout F ${text}\n`;
const pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'app', image: 'x' }] } } as Pod;

/** The response as the route uses it, collecting what is written. */
function response() {
  const out = { text: '', ended: false, code: 0 };
  const res = {
    writeHead: (code: number) => { out.code = code; return res; },
    flushHeaders: () => {},
    write: (chunk: Buffer) => { out.text += chunk.toString(); return true; },
    end: () => { out.ended = true; },
  };
  return { out, res: res as unknown as ServerResponse };
}

const settle = async () => { for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); };

async function setup() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 0, 1));
  const timers = new ManualTimers(clock);
  const files = new FakeFiles();
  await files.mkdir(DIR, { recursive: true });
  await files.write(PATH, line(1, 'one'));
  const state = { running: true };
  const cri = {
    runtime: {
      listContainers: async () => ({ containers: [{ id: 'c1', metadata: { name: 'app', attempt: 0 }, state: 'CONTAINER_RUNNING', createdAt: '1' }] }),
      containerStatus: async () => ({ status: { id: 'c1', state: state.running ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED', logPath: PATH } }),
    },
  } as unknown as CriClient;
  return { clock, timers, files, state, deps: { cri, files, clock, timers, pods: () => [pod] } };
}

test('a follow writes what is appended when it is appended, and ends once the container has stopped', async (t) => {
  const { timers, files, state, deps } = await setup();
  const { out, res } = response();
  const done = serveContainerLogs(deps, ['default', 'web', 'app'], new URLSearchParams('follow=true'), res, new AbortController().signal);
  await settle();
  t.is(out.text, 'one\n');
  await files.write(PATH, line(1, 'one') + line(2, 'two'));
  await settle();
  t.is(out.text, 'one\ntwo\n', 'the write woke the reader; no timer fired');
  state.running = false;
  await files.write(PATH, line(1, 'one') + line(2, 'two') + line(3, 'last words'));
  timers.advance(1000);
  await done;
  t.is(out.text, 'one\ntwo\nlast words\n');
  t.true(out.ended);
});

test('a client that leaves ends the follow and its watch of the log directory', async (t) => {
  const { files, deps } = await setup();
  const { out, res } = response();
  const abort = new AbortController();
  const done = serveContainerLogs(deps, ['default', 'web', 'app'], new URLSearchParams('follow=true&tailLines=0'), res, abort.signal);
  await settle();
  t.is(out.text, '', 'tail 0: nothing of what was there');
  abort.abort();
  await done;
  t.true(out.ended);
  await files.write(PATH, line(1, 'one') + line(2, 'late'));
  await settle();
  t.is(out.text, '', 'nothing read after the client left');
});

test('sinceSeconds counts back from the injected clock', async (t) => {
  const { files, deps } = await setup();
  await files.write(PATH, line(1, 'old') + line(5, 'new'));
  const { out, res } = response();
  // The clock is at 00:01:00; 58 s back is 00:00:02.
  await serveContainerLogs(deps, ['default', 'web', 'app'], new URLSearchParams('sinceSeconds=58'), res, new AbortController().signal);
  t.is(out.text, 'new\n');
});
