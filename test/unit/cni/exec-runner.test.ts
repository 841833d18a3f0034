import test from 'ava';
import { ExecRunner } from '../../../src/cni/exec.js';
import { CniError } from '../../../src/cni/types.js';
import { FakeFiles } from '../../../src/host/files/fake.js';
import { FakeProcesses } from '../../../src/host/process/fake.js';

// The exec path of the invoker (libcni's FindInPath + ExecPlugin) over the Files and Processes
// seams: which file runs, with what, and how its end is read.

async function host() {
  const files = new FakeFiles();
  for (const dir of ['/opt/a', '/opt/b', '/opt/c']) await files.mkdir(dir, { recursive: true });
  await files.write('/opt/a/skiff-x', 'not executable', { mode: 0o644 });
  await files.write('/opt/b/skiff-x', '#!', { mode: 0o755 });
  await files.write('/opt/b/killed', '#!', { mode: 0o755 });
  const seen: { args: readonly string[]; env: Readonly<Record<string, string>>; stdin: string }[] = [];
  const processes = new FakeProcesses()
    .define('/opt/b/skiff-x', (args, opts) => {
      seen.push({ args, env: opts.env, stdin: opts.stdin });
      return { code: opts.env.CNI_COMMAND === 'ADD' ? 0 : 1, stdout: `{"from":"${opts.stdin}"}` };
    })
    .define('/usr/bin/nsenter', (args) => {
      seen.push({ args, env: {}, stdin: '' });
      return { code: 0, stdout: '{}' };
    })
    .define('/opt/b/killed', () => ({ code: 137, signal: 'SIGKILL', stderr: 'out of memory\n' }));
  return { files, processes, seen };
}

test('the first executable of that name in the path runs with the env and stdin; its status and stdout come back', async (t) => {
  const h = await host();
  const runner = new ExecRunner([], h);
  t.deepEqual(await runner.run('skiff-x', { CNI_COMMAND: 'ADD' }, 'conf', ['/opt/a', '/opt/b']), { exitCode: 0, stdout: '{"from":"conf"}' });
  t.deepEqual(await runner.run('skiff-x', { CNI_COMMAND: 'DEL' }, 'conf', ['/opt/b']), { exitCode: 1, stdout: '{"from":"conf"}' });
  t.is(h.seen[0]!.env.CNI_COMMAND, 'ADD');
  t.true(typeof h.seen[0]!.env.PATH === 'string', 'PATH is passed so a plugin can find its tools');
  t.deepEqual(h.seen[0]!.args, []);
});

test('a wrap runs first, with the plugin as its argument', async (t) => {
  const h = await host();
  await new ExecRunner(['/usr/bin/nsenter', '--net=/run/netns/n'], h).run('skiff-x', {}, '', ['/opt/b']);
  t.deepEqual(h.seen[0]!.args, ['--net=/run/netns/n', '/opt/b/skiff-x']);
});

test('missing, not executable, a path in the type, or killed: CNI errors with the reference codes', async (t) => {
  const h = await host();
  const runner = new ExecRunner([], h);
  const missing = await t.throwsAsync(runner.run('skiff-x', {}, '', ['/opt/a']), { instanceOf: CniError });
  t.is(missing?.code, 5);
  t.regex(missing!.msg, /failed to find plugin "skiff-x" in path \[\/opt\/a\]/);
  t.is((await t.throwsAsync<CniError>(runner.run('../x', {}, '', ['/opt/b'])))?.code, 7);
  const killed = await t.throwsAsync<CniError>(runner.run('killed', {}, '', ['/opt/b']));
  t.is(killed?.msg, 'plugin killed killed by SIGKILL');
  t.is(killed?.details, 'out of memory');
  await h.files.write('/opt/c/gone', '#!', { mode: 0o755 });
  t.is((await t.throwsAsync<CniError>(runner.run('gone', {}, '', ['/opt/c'])))?.msg, 'failed to run plugin gone');
});
