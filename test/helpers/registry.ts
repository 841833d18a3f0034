import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { tempDir } from './cni.js';

export interface Registry {
  /** '127.0.0.1:PORT' */
  host: string;
  /** Basic-auth credentials when started with auth. */
  auth?: { username: string; password: string };
}

/**
 * A real OCI distribution registry (Debian's docker-registry) on 127.0.0.1 with a port the
 * kernel picks, storing under a temp dir; stopped by PID when the test ends.
 */
export async function startRegistry(t: ExecutionContext): Promise<Registry> {
  const { child, host } = await spawnRegistry(await tempDir(t));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { host: await host };
}

/**
 * docker-registry serving `dir` on 127.0.0.1:0, its command line prefixed by `wrap` (e.g.
 * nsenter into a node netns). The caller stops `child`; `host` rejects if it does not start.
 */
export async function spawnRegistry(dir: string, wrap: readonly string[] = []): Promise<{ child: ChildProcess; host: Promise<string> }> {
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'config.yml'), [
    'version: 0.1',
    'log: { level: info }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
    'http: { addr: "127.0.0.1:0" }',
    '',
  ].join('\n'));
  const [cmd, ...args] = [...wrap, 'docker-registry', 'serve', join(dir, 'config.yml')];
  const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const host = new Promise<string>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`registry did not start: ${log}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.length > 100_000) log = log.slice(-10_000);
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        // Keep draining: a registry whose stderr pipe fills up stops serving.
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`registry exited with ${code}: ${log}`)));
  });
  return { child, host };
}
