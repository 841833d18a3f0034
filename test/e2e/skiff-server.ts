// Starts the built `skiff server` (dist/cli/skiff.js; run `npm run build:js` first) on a
// throwaway data dir and a run-time port, and runs the real kubectl against it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
export const skiffBin = join(root, 'dist/cli/skiff.js');

export interface RunningServer {
  dir: string;
  kubeconfig: string;
  url: string;
  /** The port it listens on (pass it to startServer to restart on the same URL). */
  port: number;
  proc: ChildProcess;
  /** SIGTERM (or `signal`) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Rejects when the server exits or prints no "serving on" line. `port` pins the listen port
 * (a restart that clients holding the old URL reach again); default: one picked at run time.
 */
export async function startServer(extraArgs: string[] = [], dir?: string, port = 0): Promise<RunningServer> {
  const dataDir = dir ?? await mkdtemp(join(tmpdir(), 'skiff-e2e-'));
  const proc = spawn(process.execPath, [skiffBin, 'server', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /serving on (https:\/\/\S+),/.exec(err);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`skiff server exited (${code}) before serving:\n${err}`)));
  });
  return {
    dir: dataDir, kubeconfig: join(dataDir, 'admin.kubeconfig'), url, port: Number(new URL(url).port), proc,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface Run { code: number; stdout: string; stderr: string }

/** Runs kubectl with the server's kubeconfig; resolves with the exit code whatever it is. */
export function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** A long-running kubectl (get -w): its output so far, a wait for a pattern, and a kill by PID. */
export function kubectlStream(kubeconfig: string, args: string[]) {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: (() => void)[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => { for (const w of waiters.splice(0)) w(); resolve(); }));
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); for (const w of waiters.splice(0)) w(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  return {
    get output() { return out; },
    exited,
    async waitFor(re: RegExp): Promise<string> {
      while (!re.test(out)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`kubectl ended without ${re}:\n${out}`);
        await new Promise<void>((res) => waiters.push(res));
      }
      return out;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
