// The two stores `skiff server` runs on, as e2e fixtures: the embedded SQLite file in the
// data dir, or a throwaway etcd of the backend's own (test/helpers/etcd.ts). The same cases
// run on both; a backend also opens the store behind a stopped server so a test can compact
// it (the informer's resourceVersion becomes too old: 410 Gone) or check it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { ETCD_BIN, startEtcd, type EtcdServer } from '../helpers/etcd.js';
import { removeDir, startServer, type RunningServer } from './skiff-server.js';

export type BackendName = 'sqlite' | 'etcd';

export interface Backend {
  readonly name: BackendName;
  /**
   * Starts `skiff server` on this backend: a fresh data dir, or `dir` (a restart), on `port`
   * (0: picked at run time). Rejects when the server exits before serving.
   */
  start(opts?: { dir?: string; port?: number }): Promise<RunningServer>;
  /** The store `server` uses, without automatic compaction. For SQLite, stop the server first (one writer per file). */
  openStore(server: RunningServer): Promise<Store>;
  /** Stops what the backend started (etcd) by PID and removes its data; safe to call twice. */
  close(): Promise<void>;
}

/** Whether `name` can run on this machine (etcd needs Debian's etcd-server). */
export function available(name: BackendName): boolean {
  return name === 'sqlite' || existsSync(ETCD_BIN);
}

/** A backend of its own; rejects when etcd does not become healthy. */
export async function openBackend(name: BackendName): Promise<Backend> {
  if (name === 'sqlite') {
    return {
      name,
      start: (o = {}) => startServer([], o.dir, o.port),
      openStore: (s) => openStore({ sqlite: join(s.dir, 'state.db'), autoCompact: false }),
      close: async () => {},
    };
  }
  const etcd: EtcdServer = await startEtcd();
  const endpoints = ['--etcd-endpoints', etcd.endpoint];
  return {
    name,
    start: (o = {}) => startServer(endpoints, o.dir, o.port),
    openStore: () => openStore({ etcd: { endpoints: [etcd.endpoint] }, autoCompact: false }),
    close: () => etcd.stop(),
  };
}

/** Stops the server (SIGTERM, or `signal`) and removes its data dir. */
export async function disposeServer(server: RunningServer | undefined, signal?: NodeJS.Signals): Promise<void> {
  if (!server) return;
  await server.stop(signal);
  await removeDir(server.dir);
}
