// After a restart: the records on disk are the truth about what exists; runc and conmon are
// the truth about what runs. Reconciles the two so every sandbox and container is listed
// with its right state, running containers keep running (conmon holds them), and anything a
// crash left half-made is removed.
import type { CriDeps } from '../deps.js';
import { holderId, removePidHolder, removeSandbox, teardownNetwork } from '../sandbox/index.js';
import { recordExit, unseenExit, watchExit } from './containers.js';
import { pidHolderDepsOf, pidHolderRefOf, sandboxDepsOf, watchPidHolder } from './sandboxes.js';

export async function recover(deps: CriDeps): Promise<void> {
  for (const c of deps.state.containers.list()) {
    if (c.phase === 'creating') {
      deps.log(`container ${c.id}: create was interrupted; removing what it left`);
      await deps.oci.delete(c.id).catch(() => undefined);
      await deps.images.removeRootfs(c.rootfsKey, deps.host.mounter).catch(() => undefined);
      await deps.files.remove(c.dir);
      await deps.state.containers.delete(c.id);
      continue;
    }
    if (c.state === 'CONTAINER_EXITED') continue;
    const exit = await deps.oci.exitStatus(c.dir).catch(() => undefined);
    if (exit) {
      await recordExit(deps, c.id, exit);
      continue;
    }
    const state = await deps.oci.state(c.id).then((st) => st ?? ('gone' as const), (err: unknown) => err as Error);
    if (state instanceof Error) {
      // Neither running nor gone as far as anyone can tell: UNKNOWN, as containerd reports a task
      // it cannot load, until conmon's exit record (the watch) or a stop settles it.
      deps.log(`container ${c.id}: cannot read its state (${state.message}); unknown until it exits or is stopped`);
      await deps.state.moveContainer(c.id, 'CONTAINER_UNKNOWN');
      watchExit(deps, c.id);
      continue;
    }
    if (state === 'gone' || state.status === 'stopped') {
      // Gone without an exit record (e.g. the machine rebooted): exited, code unknown.
      await recordExit(deps, c.id, unseenExit(deps, 255), (r) => {
        r.reason = 'Unknown';
        r.message = 'the container was gone when the runtime restarted';
      });
      continue;
    }
    if (state.status === 'running' && c.state === 'CONTAINER_CREATED') {
      // Crashed between `runc start` and writing the record.
      await deps.state.moveContainer(c.id, 'CONTAINER_RUNNING', (r) => void (r.startedAt = r.createdAt));
    }
    if (state.status === 'running') watchExit(deps, c.id);
  }
  for (const s of deps.state.sandboxes.list()) {
    const why = (err: unknown) => deps.log(`sandbox ${s.id}: ${(err as Error).message}`);
    if (s.phase === 'created') {
      if (!s.pidHolder || s.state !== 'SANDBOX_READY') continue;
      // A running holder is kept (conmon holds it) and watched again; a dead one means the
      // pod's pid namespace and everything in it are gone: not ready, as containerd reports it.
      // Only runc saying so counts: when it cannot tell, the watch (conmon's exit record) decides.
      const state = await deps.oci.state(holderId(s.id)).then((st) => st ?? ('gone' as const), (err: unknown) => err as Error);
      if (state instanceof Error) {
        deps.log(`sandbox ${s.id}: cannot read its pid namespace holder's state (${state.message}); watching it again`);
        watchPidHolder(deps, s);
      } else if (state === 'gone' || state.status === 'stopped') {
        deps.log(`sandbox ${s.id}: its pid namespace holder was gone when the runtime restarted; the sandbox is not ready`);
        await deps.state.moveSandbox(s.id, 'SANDBOX_NOTREADY');
      } else watchPidHolder(deps, s);
      continue;
    }
    deps.log(`sandbox ${s.id}: run was interrupted; removing what it left`);
    const sdeps = sandboxDepsOf(deps, await deps.network());
    // Its resources are still the planned ones (written with the record, before anything was made).
    await removePidHolder(pidHolderDepsOf(deps), pidHolderRefOf(s)).catch(why);
    await teardownNetwork(sdeps, s.id, s.config, s.resources).catch(why);
    await removeSandbox(sdeps, s.resources).catch(why);
    await deps.state.sandboxes.delete(s.id);
  }
}
