// The cgroups contract and the v1 driver's placement against the real kernel (hybrid v1
// here), and the v2 driver on the hybrid unified hierarchy. Unique roots inside the test
// process's own cgroups, node child processes as workloads, and a cleanup that does not
// trust the code under test (it finds the root by name in every hierarchy, rmdirs leaf first).
import test from 'ava';
import { spawn } from 'node:child_process';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { detectCgroups } from '../../src/host/cgroups/detect.js';
import type { Cgroups } from '../../src/host/cgroups/types.js';
import type { CgroupsContractEnv, Workload } from '../contract/cgroups.case.js';
import { cgroupsContract } from '../contract/cgroups.case.js';
import { eventually, isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

const MOUNT = '/sys/fs/cgroup';

/** Every directory named `name` under the cgroup mounts (wherever it is: escapes included). */
async function findByName(name: string, dir = MOUNT, depth = 6): Promise<string[]> {
  if (depth === 0) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found = await Promise.all(entries.filter((e) => e.isDirectory()).map(async (e) => {
    const path = join(dir, e.name);
    return e.name === name ? [path] : findByName(name, path, depth - 1);
  }));
  return found.flat();
}

async function rmTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await rmTree(join(dir, e.name));
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** A unique root; at teardown every cgroup of that name is removed, leaf first (after the processes' teardowns). */
async function freshRoot(t: ExecutionContext): Promise<string> {
  const root = `skiff-test-${uniq()}`;
  t.teardown(async () => {
    // Killed processes leave their cgroups a moment later: retry EBUSY.
    for (const dir of await findByName(root)) await eventually(() => rmTree(dir));
  });
  return root;
}

/**
 * A node process that waits on stdin; each line 'N' burns some CPU, allocates and touches N
 * bytes, and answers 'ok'. Its startup memory stays charged where it started; only what it
 * allocates after being moved counts in its new cgroup.
 */
async function nodeWorkload(t: ExecutionContext): Promise<Workload> {
  const code = `const keep = []; let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\\n')) >= 0; buf = buf.slice(i + 1)) {
    let x = 0; for (let k = 0; k < 3e6; k++) x += k;
    keep.push(Buffer.alloc(Number(buf.slice(0, i)), x & 255 || 1));
    process.stdout.write('ok\\n');
  }
});
process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  const nextLine = () => new Promise<string>((resolve) => {
    const onData = (d: Buffer) => {
      child.stdout!.off('data', onData);
      resolve(d.toString().trim());
    };
    child.stdout!.on('data', onData);
    void exit.then(() => resolve('exited'));
  });
  if ((await nextLine()) !== 'ready') throw new Error('workload did not start');
  return {
    pid: child.pid!,
    work: async (bytes) => {
      const answer = nextLine();
      child.stdin!.write(`${bytes}\n`);
      return (await answer) === 'ok';
    },
    exited: () => exit,
  };
}

const realEnv: CgroupsContractEnv = {
  name: 'real',
  fresh: async (t): Promise<Cgroups> => detectCgroups({ root: await freshRoot(t) }),
  spawn: (t) => nodeWorkload(t),
};

const t = rootOnly(test);
if (isRoot) cgroupsContract(t, realEnv);
