// `skiff server`'s store upkeep end to end (issue 19): past --storage-compaction-bytes the store
// compacts and the server logs the round; /metrics serves the storage metrics of the real
// SQLite file. Needs dist/ (node scripts/build.mjs) and kubectl.
import test from 'ava';
import { join } from 'node:path';
import { kubectl, removeDir, startServer } from './skiff-server.js';

/** More writes than the newest 1000 revisions compaction always keeps. */
const OBJECTS = 1100;

test('past --storage-compaction-bytes a round runs and is logged; /metrics reports the SQLite file', async (t) => {
  const server = await startServer(['--storage-compaction-bytes', '1', '--etcd-compaction-interval', '0', '--event-ttl', '30m']);
  t.teardown(async () => {
    await server.stop();
    await removeDir(server.dir);
  });
  let stderr = '';
  const waiters: (() => void)[] = [];
  server.proc.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  const items = Array.from({ length: OBJECTS }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'default' }, data: { k: String(i) } }));
  const created = await kubectl(server.kubeconfig, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  t.is(created.code, 0, created.stderr);

  // The size check runs every 10 s; the test waits for the line, however long the machine takes.
  const line = /skiff apiserver: storage compacted to revision (\d+) \(size\): (\d+) revisions removed, [\d.]+ MiB -> [\d.]+ MiB on disk, \d+ ms/;
  while (!line.test(stderr)) {
    if (server.proc.exitCode !== null) t.fail(`server exited:\n${stderr}`);
    await new Promise<void>((resolve) => waiters.push(resolve));
  }
  const [, revision, removed] = line.exec(stderr)!;
  t.true(Number(removed) >= OBJECTS - 1000, stderr);
  t.true(Number(revision) > 0);

  const metrics = await kubectl(server.kubeconfig, ['get', '--raw', '/metrics']);
  t.is(metrics.code, 0, metrics.stderr);
  const endpoint = join(server.dir, 'state.db');
  t.regex(metrics.stdout, new RegExp(`^apiserver_storage_db_total_size_in_bytes\\{endpoint="${endpoint}"\\} [1-9]\\d*$`, 'm'));
  // Ours, and the kube-root-ca.crt every namespace holds.
  const all = await kubectl(server.kubeconfig, ['get', 'configmaps', '-A', '-o', 'name']);
  const stored = all.stdout.trim().split('\n').length;
  t.true(stored > OBJECTS);
  t.regex(metrics.stdout, new RegExp(`^apiserver_storage_objects\\{resource="configmaps"\\} ${stored}$`, 'm'));
  t.regex(metrics.stdout, /^etcd_request_duration_seconds_count\{operation="create",type="configmaps"\} \d+$/m);
});
