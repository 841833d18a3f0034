import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { CriDeps } from '../../src/cri/deps.js';
import { streamingBackend } from '../../src/cri/lifecycle/streaming-backend.js';
import { startStreamingServer } from '../../src/cri/streaming/server.js';
import { realOciRuntime } from '../../src/host/oci/real.js';
import { makeBundle } from '../contract/oci.case.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { spdyExec } from '../helpers/spdy-client.js';

// attach and tty exec end to end: SPDY client -> streaming server -> backend -> runc + conmon.

const rt0 = rootOnly(test);
if (isRoot) {
  const runcRoot = await mkdtemp(join(tmpdir(), 'skiff-runc-'));
  test.after.always(() => rm(runcRoot, { recursive: true, force: true }));
  const oci = realOciRuntime({ runcRoot });

  const setup = async (t: import('ava').ExecutionContext, args: string[], config: { stdin: boolean; stdinOnce: boolean; tty: boolean }) => {
    const c = { ...(await makeBundle(t, runcRoot, { args, terminal: config.tty })), ...config };
    await oci.create(c);
    t.teardown(() => oci.kill(c.id, 'SIGKILL').catch(() => {}));
    await oci.start(c.id);
    // the records the backend reads: only what it uses
    const record = { id: c.id, state: 'CONTAINER_RUNNING', config, dir: c.stateDir };
    const deps = {
      state: {
        containers: { mustGet: (id: string) => (id === c.id ? record : (() => { throw new Error(`no ${id}`); })()) },
        sandboxes: { find: () => undefined },
      },
      oci,
    } as unknown as Pick<CriDeps, 'state' | 'oci'>;
    const server = await startStreamingServer({ address: '127.0.0.1:0', backend: streamingBackend(deps) });
    t.teardown(() => server.close());
    return { c, server };
  };

  rt0('attach over SPDY to cat (stdinOnce): stdin echoes back, the session ends when cat does', async (t) => {
    const { c, server } = await setup(t, ['/bin/busybox', 'cat'], { stdin: true, stdinOnce: true, tty: false });
    const { url } = await server.getAttach({ containerId: c.id, stdin: true, stdout: true, stderr: true, tty: false, auditRequestId: '' });
    const r = await spdyExec(url, { stdin: 'through the socket\n' });
    t.is(r.stdout, 'through the socket\n');
    t.is(r.status?.status, 'Success');
    t.is((await oci.waitExit(c.stateDir)).exitCode, 0);
  });

  rt0('tty exec over SPDY: terminal output on stdout, the exit code in the status', async (t) => {
    const { c, server } = await setup(t, ['/bin/busybox', 'sleep', '1000'], { stdin: false, stdinOnce: false, tty: false });
    const { url } = await server.getExec({ containerId: c.id, cmd: ['/bin/busybox', 'sh', '-c', '[ -t 1 ] && echo on a tty; exit 3'], stdin: false, stdout: true, stderr: false, tty: true, auditRequestId: '' });
    const r = await spdyExec(url, { tty: true });
    t.regex(r.stdout, /^on a tty\r+\n$/);
    t.is(r.status?.status, 'Failure');
    t.is(r.status?.details?.causes?.[0]?.message, '3');
  });
}
