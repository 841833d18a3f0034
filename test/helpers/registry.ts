import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { tempDir } from './cni.js';

export interface RegistryOptions {
  auth?: { username: string; password: string };
  /** Serve HTTPS with this PEM certificate and key; with clientCa, every client must
   *  present a certificate that CA signed. */
  tls?: { cert: string; key: string; clientCa?: string };
  /** Serve the images stored under this directory (another registry's `dataDir`). */
  dataDir?: string;
}

export interface Registry {
  /** '127.0.0.1:PORT' */
  host: string;
  /** Where it stores what is pushed. */
  dataDir: string;
  /** Basic-auth credentials when started with auth. */
  auth?: { username: string; password: string };
  /** The registry's log so far (the last 1 MB). */
  log(): string;
}

/**
 * A real OCI distribution registry (Debian's docker-registry) on 127.0.0.1 with a port the
 * kernel picks, storing under a temp dir; stopped by PID when the test ends. With `auth`,
 * every request needs those basic credentials (htpasswd auth).
 */
export async function startRegistry(t: ExecutionContext, opts: RegistryOptions = {}): Promise<Registry> {
  const dir = await tempDir(t);
  const { child, host, log } = await spawnRegistry(dir, [], opts);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { host: await host, dataDir: opts.dataDir ?? join(dir, 'data'), ...(opts.auth ? { auth: opts.auth } : {}), log };
}

/**
 * docker-registry serving `dir` on 127.0.0.1:0, its command line prefixed by `wrap` (e.g.
 * nsenter into a node netns). The caller stops `child`; `host` rejects if it does not start.
 */
export async function spawnRegistry(dir: string, wrap: readonly string[] = [], opts: RegistryOptions = {}): Promise<{ child: ChildProcess; host: Promise<string>; log: () => string }> {
  const data = opts.dataDir ?? join(dir, 'data');
  await mkdir(data, { recursive: true });
  if (opts.auth) await writeFile(join(dir, 'htpasswd'), `${opts.auth.username}:${await bcrypt(opts.auth.password)}\n`);
  if (opts.tls) {
    await writeFile(join(dir, 'tls.crt'), opts.tls.cert);
    await writeFile(join(dir, 'tls.key'), opts.tls.key, { mode: 0o600 });
    if (opts.tls.clientCa) await writeFile(join(dir, 'client-ca.crt'), opts.tls.clientCa);
  }
  const tls = opts.tls ? `, tls: { certificate: ${join(dir, 'tls.crt')}, key: ${join(dir, 'tls.key')}${opts.tls.clientCa ? `, clientcas: [${join(dir, 'client-ca.crt')}]` : ''} }` : '';
  await writeFile(join(dir, 'config.yml'), [
    'version: 0.1',
    'log: { level: info }',
    `storage: { filesystem: { rootdirectory: ${data} }, delete: { enabled: true } }`,
    `http: { addr: "127.0.0.1:0"${tls} }`,
    ...(opts.auth ? [`auth: { htpasswd: { realm: skiff-test, path: ${join(dir, 'htpasswd')} } }`] : []),
    '',
  ].join('\n'));
  const [cmd, ...args] = [...wrap, 'docker-registry', 'serve', join(dir, 'config.yml')];
  const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const host = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`registry did not start: ${log}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.length > 100_000) log = log.slice(-10_000);
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        // Keep draining (a registry whose stderr pipe fills up stops serving), and keep the
        // log for tests that read what the registry saw.
        child.stderr!.removeAllListeners('data');
        child.stderr!.on('data', (d: Buffer) => {
          log += d.toString();
          if (log.length > 2_000_000) log = log.slice(-1_000_000);
        });
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`registry exited with ${code}: ${log}`)));
  });
  return { child, host, log: () => log };
}

/** An htpasswd bcrypt hash (the only kind docker-registry takes), by libcrypt through perl
 *  (Debian's perl-base), as apache2-utils' htpasswd is not installed. */
async function bcrypt(password: string): Promise<string> {
  const salt = Array.from({ length: 22 }, () => './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 64)]).join('');
  const { stdout } = await promisify(execFile)('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`]);
  if (!stdout.startsWith('$2b$')) throw new Error(`libcrypt made no bcrypt hash: ${stdout}`);
  return stdout;
}
