/**
 * Running a program to completion: stdin in, exit status and output out. What CNI runtimes do
 * with plugin executables. Real: a child process. Fake: programs defined as functions, so a
 * runner's handling of exit codes, output and signals is tested without executables.
 */
export interface Processes {
  /**
   * Runs file with args and exactly env; writes stdin and closes it. Resolves when the program
   * has exited and its output is read, whatever its status (signal set when a signal ended it,
   * then code is 128 + its number; timedOut when that was the SIGKILL after timeoutMs).
   * Rejects with HostError ENOENT (no such file), EPERM (not executable) or EIO when it cannot
   * be started at all.
   */
  run(file: string, args: readonly string[], opts: RunOptions): Promise<Exit>;
}

export interface RunOptions {
  env: Readonly<Record<string, string>>;
  stdin: string;
  /** Kills the program (SIGKILL, by its pid) after this long; default: never. */
  timeoutMs?: number;
}

export interface Exit {
  code: number;
  signal?: string;
  timedOut?: boolean;
  stdout: string;
  stderr: string;
}
