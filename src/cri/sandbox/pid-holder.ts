// A pod's pid namespace holder, for pods whose sandbox asks for pid mode POD (Kubernetes
// shareProcessNamespace). There is no pause container otherwise; this is one, for this one
// job: PID 1 of the pod's pid namespace for the pod's whole life, so a container exiting
// does not take the namespace (and by the kernel's rule every other process in it) down,
// and orphans in it are reaped. It runs like any container (runc under conmon, through the
// OCI seam), so it survives `skiff cri` restarts; it is never a CRI container.
import { dirname, join } from 'node:path';
import type { Cgroups } from '../../host/cgroups/types.js';
import { HostError } from '../../host/errors.js';
import type { Files } from '../../host/files/types.js';
import { RealFiles } from '../../host/files/real.js';
import type { OciRuntime } from '../../host/oci/types.js';
import { pidHolderSpec } from './pid-holder-spec.js';

export interface PidHolderDeps {
  oci: OciRuntime;
  cgroups: Cgroups;
  files: Files;
  /** The sandboxes' run dir: the holder's bundle is <runDir>/<sandboxId>/pause, the shared rootfs <runDir>/.pause. */
  runDir: string;
  /** The skiff-pause executable to install; default: found by pauseBinary(). */
  pauseBinary?: string;
  /** The holders' rootfs installs under way or done, by rootfs path: one per run dir for the
   *  owner's life (the runtime's state), so concurrent pods wait for the same copy. */
  installs: Map<string, Promise<string>>;
}

/** Where a holder is: all derived from the sandbox id and directory, so a crash leaves nothing unnamed. */
export interface PidHolderRef {
  sandboxId: string;
  /** The sandbox's directory (<runDir>/<sandboxId>). */
  sandboxDir: string;
  /** The pod's cgroup, relative to the runtime's cgroup root. */
  podCgroup: string;
}

/** The holder's runc id. Sandbox and container ids are hex, so no container can take it. */
export const holderId = (sandboxId: string): string => `${sandboxId}-pause`;
/** Its bundle and conmon state directory, inside the sandbox's (removed with it). */
export const holderDir = (ref: Pick<PidHolderRef, 'sandboxDir'>): string => join(ref.sandboxDir, 'pause');
/** Its cgroup: a leaf of the pod's, as a container's is. */
export const holderCgroup = (ref: Pick<PidHolderRef, 'sandboxId' | 'podCgroup'>): string => `${ref.podCgroup}/${holderId(ref.sandboxId)}`;

/**
 * Where skiff-pause is, looked for as native.ts looks for skiff.node: $SKIFF_PAUSE; beside
 * the running script; the build tree two levels above it (dist/cli/skiff.js); the build tree
 * above this module (src/cri/sandbox under tsx). The last candidate when none exists.
 * Looked up on the real disk unless told otherwise: it is where this process runs from.
 */
export function pauseBinary(files: Pick<Files, 'existsSync'> = new RealFiles()): string {
  const list = [process.env.SKIFF_PAUSE];
  if (process.argv[1]) list.push(join(dirname(process.argv[1]), 'skiff-pause'), join(dirname(process.argv[1]), '..', '..', 'build', 'Release', 'skiff-pause'));
  list.push(new URL('../../../build/Release/skiff-pause', import.meta.url).pathname);
  const paths = list.filter((p): p is string => Boolean(p));
  return paths.find((p) => files.existsSync(p)) ?? paths[paths.length - 1]!;
}

/**
 * The holders' shared root filesystem, <runDir>/.pause/rootfs: /pause, and the empty
 * directories proc/ and dev/ that runc mounts over. Installed once per run dir per deps.installs
 * (a copy renamed into place, so a running holder keeps the file it started with).
 * Rejects with an fs error, ENOENT naming the path when skiff-pause has not been built.
 */
export function pauseRootfs(deps: Pick<PidHolderDeps, 'runDir' | 'files' | 'pauseBinary' | 'installs'>): Promise<string> {
  const rootfs = join(deps.runDir, '.pause', 'rootfs');
  const installed = deps.installs;
  let p = installed.get(rootfs);
  if (!p) {
    p = (async () => {
      const fs = deps.files;
      const from = deps.pauseBinary ?? pauseBinary(fs);
      for (const d of ['proc', 'dev']) await fs.mkdir(join(rootfs, d), { recursive: true, mode: 0o755 });
      await fs.chmod(rootfs, 0o755);
      const tmp = join(rootfs, `.pause.${process.pid}`);
      await fs.copy(from, tmp).catch((err: HostError) => {
        throw new HostError(err.code, `cannot install the pid namespace holder from ${from} (run \`npm run build:native\`): ${err.message}`, err.syscall);
      });
      await fs.chmod(tmp, 0o755);
      await fs.rename(tmp, join(rootfs, 'pause'));
      return rootfs;
    })();
    installed.set(rootfs, p);
    p.catch(() => installed.delete(rootfs));
  }
  return p;
}

/**
 * Creates and starts the holder: PID 1 of a new pid namespace, in the pod's pinned network,
 * ipc and uts namespaces (absent = the node's), its cgroup a leaf of the pod's. Resolves with
 * its runc id and host pid. On failure removes what it made (runc state, cgroup, bundle) and
 * rejects: with the installer's error (no skiff-pause), or the OCI seam's HostError
 * (EEXIST: a holder with this id exists; EIO: runc or conmon refused).
 */
export async function startPidHolder(deps: PidHolderDeps, ref: PidHolderRef, pins: { netns?: string; ipc?: string; uts?: string }): Promise<{ id: string; pid: number }> {
  const rootfs = await pauseRootfs(deps);
  const id = holderId(ref.sandboxId);
  const dir = holderDir(ref);
  const spec = pidHolderSpec({ sandboxId: ref.sandboxId, rootfs, cgroupsPath: deps.cgroups.runcPath(holderCgroup(ref)), ...pins });
  await deps.files.mkdir(dir, { recursive: true, mode: 0o700 });
  let created = false;
  try {
    await deps.files.write(join(dir, 'config.json'), JSON.stringify(spec));
    const { pid } = await deps.oci.create({ id, bundle: dir, logPath: join(dir, 'console.log'), stateDir: dir });
    created = true;
    await deps.oci.start(id);
    return { id, pid };
  } catch (err) {
    if (!(err instanceof HostError && err.code === 'EEXIST') || created) await removePidHolder(deps, ref).catch(() => undefined);
    throw err;
  }
}

/** The holder's host pid while it runs; undefined when it is gone or stopped. Rejects with the OCI seam's EIO. */
export async function pidHolderPid(deps: Pick<PidHolderDeps, 'oci'>, sandboxId: string): Promise<number | undefined> {
  const state = await deps.oci.state(holderId(sandboxId));
  return state?.status === 'running' && state.pid > 0 ? state.pid : undefined;
}

/**
 * Stops the holder: SIGTERM (skiff-pause exits 0 at once), SIGKILL after graceMs. Its exit
 * takes every process left in the pod's pid namespace with it (the kernel's rule), so call
 * it after the containers. Succeeds when it is already stopped or gone. Rejects with the
 * OCI seam's HostError when runc cannot signal it.
 */
export async function stopPidHolder(deps: Pick<PidHolderDeps, 'oci'>, ref: Pick<PidHolderRef, 'sandboxId' | 'sandboxDir'>, graceMs = 2000): Promise<void> {
  const id = holderId(ref.sandboxId);
  const state = await deps.oci.state(id).catch(() => undefined);
  if (!state || state.status === 'stopped') return;
  const done = new AbortController();
  // 'unwatched': conmon died without recording an exit, so only runc can tell; SIGKILL then.
  const exit = deps.oci.waitExit(holderDir(ref), done.signal).then(() => 'exited' as const, () => 'unwatched' as const);
  const after = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(resolve, ms, 'timeout').unref());
  try {
    if (state.status === 'running') {
      await deps.oci.kill(id, 'SIGTERM');
      if ((await Promise.race([exit, after(graceMs)])) === 'exited') return;
    }
    await deps.oci.kill(id, 'SIGKILL');
    await Promise.race([exit, after(graceMs)]);
  } finally {
    done.abort();
  }
}

/** Removes the holder's runc state (killing it if it still runs), its cgroup and its bundle. Idempotent. Rejects with the OCI seam's HostError. */
export async function removePidHolder(deps: Pick<PidHolderDeps, 'oci' | 'cgroups' | 'files'>, ref: PidHolderRef): Promise<void> {
  await deps.oci.delete(holderId(ref.sandboxId));
  await deps.cgroups.remove(holderCgroup(ref)).catch(() => undefined);
  await deps.files.remove(holderDir(ref));
}
