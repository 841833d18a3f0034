import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { HostError, errnoOf } from '../errors.js';
import type { Exit, Processes, RunOptions } from './types.js';

export class RealProcesses implements Processes {
  run(file: string, args: readonly string[], opts: RunOptions): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { env: { ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const code = e.code === 'ENOENT' ? 'ENOENT' : e.code === 'EACCES' ? 'EPERM' : 'EIO';
        reject(new HostError(code, `cannot run ${file}: ${e.message}`, 'spawn', errnoOf(code)));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (signal) resolve({ code: 128 + (constants.signals[signal] ?? 0), signal, ...(timedOut ? { timedOut } : {}), stdout, stderr });
        else resolve({ code: code ?? 1, stdout, stderr });
      });
      child.stdin.on('error', () => {}); // a program that exits without reading stdin
      child.stdin.end(opts.stdin);
    });
  }
}

export const realProcesses: Processes = new RealProcesses();
