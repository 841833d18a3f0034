import { stat } from 'node:fs/promises';
import { builtins, type BuiltinDeps } from '../builtins.js';
import { ExecRunner } from '../exec.js';
import { runSkel } from '../skel.js';
import { CniError } from '../types.js';
import { CURRENT_VERSION } from '../version.js';
import type { CniRequest, CniResponse } from './frame.js';

/** What the daemon runs plugins over: the real seams (fakes in unit tests). */
export type CniCallDeps = Omit<BuiltinDeps, 'hostNetns' | 'fallback'>;

/**
 * Answers one forwarded call exactly as the executable would have: the named plugin through
 * runSkel, with the caller's network namespace as the node's, its CNI_* env and stdin, and its
 * stderr lines collected. Never rejects: every failure is a CNI error JSON with exit status 1
 * (unknown plugin, a caller whose namespace cannot be opened).
 */
export async function answerCall(deps: CniCallDeps, req: CniRequest): Promise<CniResponse> {
  const stderr: string[] = [];
  try {
    const hostNetns = await callerNetns(req);
    // Types that are not skiff's are exec'd where the executable would have exec'd them.
    const fallback = new ExecRunner(hostNetns ? ['nsenter', `--net=${hostNetns}`] : []);
    const plugin = builtins({ ...deps, fallback, ...(hostNetns ? { hostNetns } : {}) }).plugins.get(req.plugin);
    if (!plugin) throw new CniError(999, `skiff cni-server has no plugin "${req.plugin}"`, 'the executable was renamed, or this daemon is older than it');
    const out = await runSkel(plugin, { env: req.env, stdin: req.stdin, stderr: (line) => stderr.push(`${line}\n`) });
    return { ...out, stderr: stderr.join('') };
  } catch (err) {
    const e = err instanceof CniError ? err : new CniError(999, (err as Error)?.message ?? String(err));
    return { exitCode: 1, stdout: JSON.stringify(e.toJSON(CURRENT_VERSION)), stderr: stderr.join('') };
  }
}

let ownNetns: Promise<bigint> | undefined;

/**
 * The caller's network namespace as a path, or undefined when it is the daemon's own (then
 * the plugins take the plain path, as in-process in skiff cri). Throws CniError when the pid
 * is gone or is not the shim that sent it (a caller in another pid namespace).
 */
async function callerNetns(req: CniRequest): Promise<string | undefined> {
  const path = `/proc/${req.pid}/ns/net`;
  ownNetns ??= stat('/proc/self/ns/net', { bigint: true }).then((s) => s.ino);
  let ino: bigint;
  try {
    ino = (await stat(path, { bigint: true })).ino;
  } catch (err) {
    throw new CniError(999, 'skiff cni-server cannot open the caller\'s network namespace', `${path}: ${(err as Error).message}`);
  }
  if (req.netnsInode !== 0n && ino !== req.netnsInode) {
    throw new CniError(999, 'skiff cni-server: the calling pid is not the caller', `${path} is not the namespace the caller reported (is the caller in another pid namespace?)`);
  }
  return ino === (await ownNetns) ? undefined : path;
}
