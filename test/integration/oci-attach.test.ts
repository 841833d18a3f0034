import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import { realOciRuntime } from '../../src/host/oci/real.js';
import type { CreateOptions } from '../../src/host/oci/types.js';
import { makeBundle, type BundleOptions } from '../contract/oci.case.js';
import { eventually, isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// attach through conmon's SOCK_SEQPACKET socket, and tty exec on a pseudo-terminal of ours,
// with real runc + conmon.

const SH = (script: string) => ['/bin/busybox', 'sh', '-c', script];

/** Everything a stream delivers until it ends, as text. */
function collect(r: Readable): { text: () => string; ended: Promise<string> } {
  let s = '';
  r.on('data', (d: Buffer) => (s += d.toString()));
  return { text: () => s, ended: new Promise((resolve) => r.on('end', () => resolve(s))) };
}

const rt0 = rootOnly(test);
if (isRoot) {
  const runcRoot = await mkdtemp(join(tmpdir(), 'skiff-runc-'));
  test.after.always(() => rm(runcRoot, { recursive: true, force: true }));
  const oci = realOciRuntime({ runcRoot });

  const running = async (t: ExecutionContext, opts: BundleOptions, create: Partial<CreateOptions> = {}): Promise<CreateOptions> => {
    const c = { ...(await makeBundle(t, runcRoot, opts)), ...create };
    await oci.create(c);
    t.teardown(() => oci.kill(c.id, 'SIGKILL').catch(() => {}));
    await oci.start(c.id);
    return c;
  };

  rt0('attach to cat: stdin comes back on stdout; ending stdin (stdinOnce) ends cat and the attach', async (t) => {
    const c = await running(t, { args: ['/bin/busybox', 'cat'] }, { stdin: true, stdinOnce: true });
    const a = await oci.attach(c.stateDir, { stdin: true, tty: false });
    t.truthy(a.stderr);
    const out = collect(a.stdout);
    a.stdin!.write('hello\n');
    await eventually(async () => {
      if (out.text() !== 'hello\n') throw new Error(`got ${JSON.stringify(out.text())}`);
    });
    // more than one conmon packet (32 KiB) in one write
    const big = 'x'.repeat(100_000) + '\n';
    a.stdin!.end(big);
    t.is(await out.ended, 'hello\n' + big);
    await a.done;
    t.is((await oci.waitExit(c.stateDir)).exitCode, 0);
  });

  rt0('attach to a container printing on stdout and stderr: both streams, separately, until it exits', async (t) => {
    const c = await running(t, { args: SH('read go; echo out; echo err >&2; echo more; exit 4') }, { stdin: true });
    const a = await oci.attach(c.stateDir, { stdin: true, tty: false });
    const out = collect(a.stdout);
    const err = collect(a.stderr!);
    a.stdin!.write('go\n');
    t.is(await out.ended, 'out\nmore\n');
    t.is(await err.ended, 'err\n');
    await a.done;
    t.is((await oci.waitExit(c.stateDir)).exitCode, 4);
  });

  rt0('attach to a tty container: output on stdout only, input echoed by the terminal, resize reaches it', async (t) => {
    const c = await running(t, { args: SH('read go; stty size; read x; echo "got $x"'), terminal: true }, { tty: true, stdin: true });
    const a = await oci.attach(c.stateDir, { stdin: true, tty: true });
    t.is(a.stderr, undefined);
    const out = collect(a.stdout);
    a.resize!(91, 17);
    // the size is set by conmon asynchronously: ask only once it is there
    await new Promise((r) => setTimeout(r, 200));
    a.stdin!.write('go\n');
    await eventually(async () => {
      if (!out.text().includes('17 91')) throw new Error(`got ${JSON.stringify(out.text())}`);
    });
    a.stdin!.write('abc\n');
    const text = await out.ended;
    t.regex(text, /abc\r\n/); // the terminal's echo
    t.regex(text, /got abc\r\n/);
    await a.done;
  });

  rt0('detaching leaves the container running; attach after its exit is ENOENT', async (t) => {
    const c = await running(t, { args: ['/bin/busybox', 'cat'] }, { stdin: true });
    const a = await oci.attach(c.stateDir, { stdin: true, tty: false });
    await a.close();
    await a.done;
    t.is((await oci.state(c.id))?.status, 'running');
    const b = await oci.attach(c.stateDir, { stdin: true, tty: false });
    const out = collect(b.stdout);
    b.stdin!.write('again\n');
    await eventually(async () => {
      if (out.text() !== 'again\n') throw new Error(`got ${JSON.stringify(out.text())}`);
    });
    await oci.kill(c.id, 'SIGKILL');
    await oci.waitExit(c.stateDir);
    await out.ended;
    await eventually(async () => {
      const err = await oci.attach(c.stateDir, { stdin: false, tty: false }).then(async (x) => (await x.close(), undefined), (e: HostError) => e);
      if (err?.code !== 'ENOENT') throw new Error(`attach after exit: ${err?.code ?? 'resolved'}`);
    });
  });

  rt0("tty exec: sh -c 'tty; stty size' on a terminal of the given size, resized, with stdin and the exit code", async (t) => {
    const c = await running(t, { args: SH('trap "exit 143" TERM; /bin/busybox sleep 1000 & wait') });
    const p = await oci.exec(c.id, SH('read a; tty; stty size; read x; stty size; echo "got $x"; exit 5'), { tty: true, stdin: true });
    t.is(p.stderr, undefined);
    const out = collect(p.stdout);
    p.resize!(80, 24);
    // runc copies the size inward on SIGWINCH: give it the time before each stty size
    await new Promise((r) => setTimeout(r, 300));
    p.stdin!.write('go\n');
    await eventually(async () => {
      if (!/24 80\r?\n/.test(out.text())) throw new Error(`got ${JSON.stringify(out.text())}`);
    });
    p.resize!(120, 40);
    await new Promise((r) => setTimeout(r, 300));
    p.stdin!.write('hi\n');
    t.is(await p.exit, 5);
    const text = await out.ended;
    // line ends are \r\n, sometimes \r\r\n: runc clears the inner terminal's onlcr while the process may already write
    const lines = text.split(/\r+\n/);
    t.deepEqual(lines.slice(0, 2), ['go', lines[1]!], 'the terminal echoes the input');
    t.regex(lines[1]!, /^\/dev\/pts\/\d+$/, text);
    t.true(lines.includes('24 80'), text);
    t.true(lines.includes('40 120'), text);
    t.true(lines.includes('got hi'), text);
  });

  rt0('tty exec without stdin; an unknown container is ENOENT', async (t) => {
    const c = await running(t, { args: SH('trap "exit 143" TERM; /bin/busybox sleep 1000 & wait') });
    const p = await oci.exec(c.id, SH('[ -t 0 ] && [ -t 1 ] && echo both'), { tty: true, stdin: false });
    t.is(p.stdin, undefined);
    const out = collect(p.stdout);
    t.is(await p.exit, 0);
    t.regex(await out.ended, /^both\r+\n$/);
    t.is((await t.throwsAsync<HostError>(oci.exec('no-such-ctr', ['true'], { tty: true, stdin: false })))?.code, 'ENOENT');
  });
}
