import { spawn } from 'node:child_process';
import { trace } from '../../trace.js';
import { errnoOf, HostError } from '../errors.js';

// The runc command line: one process per call, as CRI-O's runtimeCmd does. runc logs in
// JSON (--log-format json) so its error text can be told apart from anything else on stderr.

const log = trace('oci');

export interface RuncResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** runc's message out of its JSON log lines (the last error wins); the raw text if none parse. */
export function runcMessage(stderr: string): string {
  const msgs: string[] = [];
  for (const line of stderr.split('\n')) {
    const text = line.trim();
    if (!text) continue;
    try {
      const entry = JSON.parse(text) as { level?: string; msg?: string };
      if (typeof entry.msg === 'string' && (entry.level === 'error' || entry.level === 'fatal')) msgs.push(entry.msg);
    } catch {
      msgs.push(text);
    }
  }
  return msgs.join('; ') || stderr.trim();
}

/** The errno name runc's message stands for (see types.ts for what each means here). */
export function classifyRunc(message: string): string {
  if (/does not exist|container not found/i.test(message)) return 'ENOENT';
  if (/container with id exists|already exists/i.test(message)) return 'EEXIST';
  if (/cannot start|not running|unknown signal|invalid argument|is not a valid|invalid (container )?id/i.test(message)) return 'EINVAL';
  return 'EIO';
}

export function runcError(what: string, message: string, code = classifyRunc(message)): HostError {
  return new HostError(code, `runc ${what}: ${message}`, 'runc', errnoOf(code));
}

/** The ids runc accepts (runc's own check: letters, digits and _+-.). */
export function validId(id: string): boolean {
  return /^[\w+\-.]+$/.test(id) && id !== '.' && id !== '..';
}

/** runc's signal argument: names with or without SIG, or a number. */
export function signalArg(signal: string | number): string {
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal <= 0 || signal > 64) throw runcError('kill', `invalid signal ${signal}`, 'EINVAL');
    return String(signal);
  }
  const s = signal.trim().toUpperCase();
  if (!/^(SIG)?[A-Z0-9+\-]+$/.test(s)) throw runcError('kill', `invalid signal ${JSON.stringify(signal)}`, 'EINVAL');
  return s;
}

export class Runc {
  constructor(
    /** runc --root: where runc keeps its state. */
    readonly root: string,
    readonly path = 'runc',
  ) {}

  /** Global flags every call starts with. */
  globals(): string[] {
    return ['--root', this.root, '--log-format', 'json'];
  }

  /** Runs runc with args; resolves with whatever status it exits with. Rejects EIO if it cannot run. */
  run(args: readonly string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<RuncResult> {
    const argv = [...this.globals(), ...args];
    log(() => `${this.path} ${argv.join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn(this.path, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(runcError(args[0] ?? '', `cannot run ${this.path}: ${e.message}`, 'EIO'));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        if (signal) return reject(runcError(args[0] ?? '', `killed by ${signal} ${stderr}`.trim(), 'EIO'));
        resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(opts.stdin ?? '');
    });
  }

  /** Runs runc and rejects with its classified message unless it exits 0. */
  async check(args: readonly string[], opts: { stdin?: string } = {}): Promise<Buffer> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw runcError(args[0] ?? '', runcMessage(r.stderr) || `exit status ${r.code}`);
    return r.stdout;
  }
}
