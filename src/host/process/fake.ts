import { HostError } from '../errors.js';
import type { Exit, Processes, RunOptions } from './types.js';

export type FakeProgram = (args: readonly string[], opts: RunOptions) => Partial<Exit> | Promise<Partial<Exit>>;

/** Programs by absolute path; running any other path is ENOENT, as exec would say. A program
 *  still running after timeoutMs ends as the real one would: killed, SIGKILL, timedOut. */
export class FakeProcesses implements Processes {
  private readonly programs = new Map<string, FakeProgram>();

  define(file: string, program: FakeProgram): this {
    this.programs.set(file, program);
    return this;
  }

  async run(file: string, args: readonly string[], opts: RunOptions): Promise<Exit> {
    const program = this.programs.get(file);
    if (!program) throw new HostError('ENOENT', `cannot run ${file}: spawn ${file} ENOENT`, 'spawn');
    const killed = new Promise<Partial<Exit>>((resolve) => {
      if (opts.timeoutMs !== undefined) setTimeout(() => resolve({ code: 137, signal: 'SIGKILL', timedOut: true }), opts.timeoutMs).unref();
    });
    const exit = await Promise.race([Promise.resolve(program(args, opts)), killed]);
    return { code: exit.code ?? 0, stdout: exit.stdout ?? '', stderr: exit.stderr ?? '', ...(exit.signal !== undefined ? { signal: exit.signal } : {}), ...(exit.timedOut ? { timedOut: true } : {}) };
  }
}
