import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A throwaway etcd-server (Debian's etcd 3.4) on 127.0.0.1 for tests and benchmarks. etcd
// cannot listen on port 0, so free ports are found by binding port 0 first.

export interface EtcdServer {
  endpoint: string;
  pid: number;
  /** Stops etcd by its PID and removes its data dir; safe to call twice. */
  stop(): Promise<void>;
}

export const ETCD_BIN = '/usr/bin/etcd';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

/**
 * Starts etcd with a fresh data dir; rejects when it exits or is not healthy within 20 s.
 * The request limit is raised above 1.5 MiB so objects of Kubernetes' maximum size fit.
 */
export async function startEtcd(): Promise<EtcdServer> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const child = spawn(ETCD_BIN, [
    '--name', 'skiff-test', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `skiff-test=http://127.0.0.1:${peer}`,
    '--max-request-bytes', String(3 * 1024 * 1024), '--logger', 'zap', '--log-level', 'error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 20_000;
  while (!(await healthy(endpoint))) {
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`etcd did not become healthy on ${endpoint}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { endpoint, pid: child.pid!, stop };
}
