// A command run inside a pinned network namespace by nsenter(1) in a child process: no
// JavaScript ever runs in a foreign namespace (setns is per thread, and Node always has
// threads), and the child's stdio is the caller's way in.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export type PipedChild = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Starts argv in the network namespace pinned at netnsPath, all three stdio piped. Resolves
 * once it runs; rejects with spawn's error (ENOENT: no nsenter). The caller owns the child
 * and ends it by PID.
 */
export async function spawnInNetns(netnsPath: string, argv: readonly string[], nsenter = 'nsenter'): Promise<PipedChild> {
  const child = spawn(nsenter, [`--net=${netnsPath}`, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child;
}
