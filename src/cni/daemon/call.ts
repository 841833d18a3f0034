import { holdNamespace, namespaceInode, type HeldNamespace } from '../../host/netns/held.js';
import { builtins, type BuiltinDeps } from '../builtins.js';
import { ExecRunner } from '../exec.js';
import { runSkel } from '../skel.js';
import { CniError } from '../types.js';
import { CURRENT_VERSION } from '../version.js';
import type { CniRequest, CniResponse } from './frame.js';

/** What the daemon runs plugins over: the real seams (fakes in unit tests). */
export type CniCallDeps = Omit<BuiltinDeps, 'hostNetns' | 'fallback'>;

/** Hands an answer to the caller; true when it got there whole (the caller took it as given). */
export type Deliver = (res: CniResponse) => Promise<boolean>;

export interface CallOutcome {
  delivered: boolean;
  /** The DEL run because a successful ADD's answer did not reach the caller. */
  undo?: CniResponse;
}

/**
 * Answers one forwarded call exactly as the executable would have: the named plugin through
 * runSkel, with the caller's network namespace as the node's, its CNI_* env and stdin, and its
 * stderr lines collected; then `deliver`s the answer. The caller's namespace is opened once and
 * held for the whole call, so a caller killed mid-call (a runtime's timeout) cannot leave later
 * steps in the namespace of whatever process reuses its pid. A successful ADD whose answer does
 * not reach the caller is taken back with a DEL of the same env and stdin: the caller took the
 * ADD as failed, and no address or veth may stay behind for it. Every failure is a CNI error JSON
 * with exit status 1 (unknown plugin, a caller in another mount namespace, a caller whose network
 * namespace cannot be opened); rejects only when `deliver` does.
 */
export async function answerCall(deps: CniCallDeps, req: CniRequest, deliver: Deliver): Promise<CallOutcome> {
  let caller: CallerNetns;
  try {
    await checkMountNamespace(req);
    caller = await openCallerNetns(req);
  } catch (err) {
    return { delivered: await deliver(errorResponse(err, '')) };
  }
  try {
    const res = await runPlugin(deps, caller.path, req);
    const delivered = await deliver(res);
    if (delivered || res.exitCode !== 0 || req.env.CNI_COMMAND !== 'ADD') return { delivered };
    return { delivered, undo: await runPlugin(deps, caller.path, { ...req, env: { ...req.env, CNI_COMMAND: 'DEL' } }) };
  } finally {
    await caller.close();
  }
}

/** The plugin named in `req` through runSkel with `hostNetns` as the node's. Never rejects. */
async function runPlugin(deps: CniCallDeps, hostNetns: string | undefined, req: CniRequest): Promise<CniResponse> {
  const stderr: string[] = [];
  try {
    // Types that are not skiff's are exec'd where the executable would have exec'd them.
    const fallback = new ExecRunner(hostNetns ? ['nsenter', `--net=${hostNetns}`] : []);
    const plugin = builtins({ ...deps, fallback, ...(hostNetns ? { hostNetns } : {}) }).plugins.get(req.plugin);
    if (!plugin) throw new CniError(999, `skiff cni-server has no plugin "${req.plugin}"`, 'the executable was renamed, or this daemon is older than it');
    const out = await runSkel(plugin, { env: req.env, stdin: req.stdin, stderr: (line) => stderr.push(`${line}\n`) });
    return { ...out, stderr: stderr.join('') };
  } catch (err) {
    return errorResponse(err, stderr.join(''));
  }
}

function errorResponse(err: unknown, stderr: string): CniResponse {
  const e = err instanceof CniError ? err : new CniError(999, (err as Error)?.message ?? String(err));
  return { exitCode: 1, stdout: JSON.stringify(e.toJSON(CURRENT_VERSION)), stderr };
}

let ownMntns: Promise<bigint> | undefined;

/**
 * Throws CniError unless the caller shares the daemon's mount namespace: CNI_NETNS, CNI_PATH
 * and the IPAM's dataDir are paths the daemon resolves in its own, and in another (a runtime
 * in its own mount namespace, a container) they could name other files or none. An unknown
 * namespace (0) is refused too: nothing would vouch for those paths.
 */
async function checkMountNamespace(req: CniRequest): Promise<void> {
  ownMntns ??= namespaceInode('/proc/self/ns/mnt');
  const own = await ownMntns;
  if (req.mntnsInode === own) return;
  throw new CniError(
    999,
    'skiff cni-server runs in another mount namespace than the caller: run skiff cni-server in the runtime\'s mount namespace',
    `the caller's mnt:[${req.mntnsInode}], the daemon's mnt:[${own}]: the paths of the call (CNI_NETNS, CNI_PATH, dataDir) would be resolved among other files`,
  );
}

interface CallerNetns {
  /** undefined when it is the daemon's own (then the plugins take the plain path, as in-process in skiff cri). */
  path: string | undefined;
  close(): Promise<void>;
}

let ownNetns: Promise<bigint> | undefined;

/**
 * The caller's network namespace, opened once and held (holdNamespace): its path stays valid
 * until close() whatever becomes of the caller's pid. Throws CniError when the pid is gone or
 * is not the shim that sent it (a caller in another pid namespace).
 */
async function openCallerNetns(req: CniRequest): Promise<CallerNetns> {
  const path = `/proc/${req.pid}/ns/net`;
  ownNetns ??= namespaceInode('/proc/self/ns/net');
  let held: HeldNamespace;
  try {
    held = await holdNamespace(path);
  } catch (err) {
    throw new CniError(999, 'skiff cni-server cannot open the caller\'s network namespace', `${path}: ${(err as Error).message}`);
  }
  let own: boolean;
  try {
    if (req.netnsInode !== 0n && held.inode !== req.netnsInode) {
      throw new CniError(999, 'skiff cni-server: the calling pid is not the caller', `${path} is not the namespace the caller reported (is the caller in another pid namespace?)`);
    }
    own = held.inode === (await ownNetns);
  } catch (err) {
    await held.close();
    throw err;
  }
  if (!own) return { path: held.path, close: () => held.close() };
  await held.close();
  return { path: undefined, close: async () => {} };
}
