import type { TestFn } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import type { Processes } from '../../src/host/process/types.js';

/**
 * A Processes seam with two programs: `echo` copies stdin to stdout, writes $WORD to stderr
 * and exits with the status given as its first argument; `hang` never ends by itself.
 */
export interface ProcessesEnv {
  name: string;
  processes: Processes;
  echo: string;
  hang: string;
}

export function processesContract(test: TestFn, env: ProcessesEnv): void {
  const { processes } = env;
  const named = (title: string) => `${env.name} processes: ${title}`;

  test(named('stdin in; status, stdout and stderr out, whatever the status; only the env given'), async (t) => {
    t.deepEqual(await processes.run(env.echo, ['0'], { env: { WORD: 'hi' }, stdin: 'some input' }), { code: 0, stdout: 'some input', stderr: 'hi' });
    t.deepEqual(await processes.run(env.echo, ['3'], { env: {}, stdin: '' }), { code: 3, stdout: '', stderr: '' });
  });

  test(named('a program still running after timeoutMs is killed: SIGKILL, 137, timedOut'), async (t) => {
    const exit = await processes.run(env.hang, [], { env: {}, stdin: '', timeoutMs: 50 });
    t.like(exit, { code: 137, signal: 'SIGKILL', timedOut: true });
  });

  test(named('no such program is ENOENT'), async (t) => {
    const err = await t.throwsAsync<HostError>(processes.run('/nonexistent/skiff-program', [], { env: {}, stdin: '' }));
    t.is(err?.code, 'ENOENT');
  });
}
