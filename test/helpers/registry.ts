import { spawn } from 'node:child_process';
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
  const dir = await tempDir(t);
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'config.yml'), [
    'version: 0.1',
    'log: { level: info }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
    'http: { addr: "127.0.0.1:0" }',
    '',
  ].join('\n'));
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const host = await new Promise<string>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`registry did not start: ${log}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`registry exited with ${code}: ${log}`)));
  });
  return { host };
}
