import { HostError } from '../errors.js';
import type { Exit, Processes, RunOptions } from './types.js';

export type FakeProgram = (args: readonly string[], opts: RunOptions) => Partial<Exit> | Promise<Partial<Exit>>;

/** Programs by absolute path; running any other path is ENOENT, as exec would say. */
export class FakeProcesses implements Processes {
  private readonly programs = new Map<string, FakeProgram>();

  define(file: string, program: FakeProgram): this {
    this.programs.set(file, program);
    return this;
  }

  async run(file: string, args: readonly string[], opts: RunOptions): Promise<Exit> {
    const program = this.programs.get(file);
    if (!program) throw new HostError('ENOENT', `cannot run ${file}: spawn ${file} ENOENT`, 'spawn');
    const exit = await program(args, opts);
    return { code: exit.code ?? 0, stdout: exit.stdout ?? '', stderr: exit.stderr ?? '', ...(exit.signal !== undefined ? { signal: exit.signal } : {}) };
  }
}
