// CreateContainer: a rootfs snapshot over the image, the OCI spec (a pure function of the
// request, the image config and the sandbox), and `runc create` under conmon, so the
// container exists (state CREATED) and StartContainer only has to `runc start` it.
import { isAbsolute, join } from 'node:path';
import type { Files } from '../../host/files/types.js';
import { dict, type Dict } from '../../own-keys.js';
import { HostError } from '../../host/errors.js';
import { readFileInRoot } from '../../host/image-fs/rooted-read.js';
import type { RuntimeRpcs } from '../api.js';
import { failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { emit } from '../lifecycle/containers.js';
import { containerName } from '../lifecycle/names.js';
import { containerPidMode, specInputFor, stopSignalOf } from '../lifecycle/spec-input.js';
import { containerSpec, SpecError, type DeviceInfo } from '../oci/spec.js';
import type { CriDeps } from '../deps.js';
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import { pidHolderPid } from '../sandbox/index.js';
import type { ContainerRecord, SandboxRecord } from '../state/records.js';
import { RecordStore } from '../state/store.js';
import type { Handler } from './types.js';

/** The device nodes a request names, as the spec needs them; a missing one is InvalidArgument. */
async function devices(files: Files, paths: string[]): Promise<Dict<DeviceInfo>> {
  const out = dict<DeviceInfo>();
  for (const path of paths) {
    const st = await files.stat(path).catch(() => undefined);
    if (!st || (st.kind !== 'char' && st.kind !== 'block')) throw invalidArgument(`device ${path} is not a device node on this host`);
    out[path] = { type: st.kind === 'char' ? 'c' : 'b', major: Math.floor(st.rdev / 256) & 0xfff, minor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00), fileMode: st.mode, uid: st.uid, gid: st.gid };
  }
  return out;
}

/** As the OCI spec says: a pid namespace joined by path, or none of its own (the node's). */
function sharesPidNamespace(spec: { linux?: { namespaces?: { type: string; path?: string }[] } }): boolean {
  const pid = (spec.linux?.namespaces ?? []).find((ns) => ns.type === 'pid');
  return !pid || Boolean(pid.path);
}

/** A bound on the image's /etc/passwd and /etc/group (containerd reads them whole). */
export const MAX_ETC_FILE_BYTES = 1 << 20;

/**
 * The image's /etc/<name> as the container will see it: resolved inside the rootfs, a
 * regular file or nothing (a FIFO, device or directory there counts as absent). Too big or
 * a symlink loop is the image's fault: InvalidArgument.
 */
async function imageEtcFile(rootfs: string, name: 'passwd' | 'group'): Promise<string | undefined> {
  try {
    return (await readFileInRoot(rootfs, `/etc/${name}`, MAX_ETC_FILE_BYTES))?.toString('utf8');
  } catch (err) {
    if (err instanceof HostError && (err.code === 'EFBIG' || err.code === 'ELOOP')) throw invalidArgument(`image ${name} file: ${err.message}`);
    throw err;
  }
}

function specOf(input: Parameters<typeof containerSpec>[0]): ReturnType<typeof containerSpec> {
  try {
    return containerSpec(input);
  } catch (err) {
    if (err instanceof SpecError) throw invalidArgument(err.message);
    throw err;
  }
}

/** TARGET: that container's pid; POD without a holder (a sandbox from before holders): the first running container's. */
function podPid(containers: ContainerRecord[], sandboxId: string, target?: string): number | undefined {
  const running = containers.filter((c) => c.sandboxId === sandboxId && c.state === 'CONTAINER_RUNNING' && c.pid > 0);
  return (target ? running.find((c) => c.id === target) : running.sort((a, b) => a.startedAt.localeCompare(b.startedAt))[0])?.pid;
}

/**
 * For pid mode POD in a pod with a pid holder: the holder's pid, whose pid namespace the
 * container joins. FailedPrecondition when the holder is not running (the pod is going away).
 */
async function sharedPidOf(deps: Pick<CriDeps, 'oci'>, sandbox: SandboxRecord, config: ContainerConfig__Output): Promise<number | undefined> {
  if (!sandbox.pidHolder || config.linux?.securityContext?.namespaceOptions?.pid !== 'POD') return undefined;
  const pid = await pidHolderPid(deps, sandbox.id).catch(() => undefined);
  if (!pid) throw failedPrecondition(`sandbox ${sandbox.id}: its pid namespace holder is not running`);
  return pid;
}

export const createContainer: Handler<RuntimeRpcs['CreateContainer']> = async (req, { deps }) => {
  if (!req.podSandboxId) throw invalidArgument('pod_sandbox_id is required');
  const sandbox = deps.state.sandboxes.mustGet(req.podSandboxId);
  if (sandbox.state !== 'SANDBOX_READY') throw failedPrecondition(`sandbox ${sandbox.id} is not ready`);
  containerName(req.config, sandbox.config);
  const config = req.config!;
  const holderPid = await sharedPidOf(deps, sandbox, config);
  const image = deps.images.get(config.image!.image);
  if (!image) throw notFound(`image "${config.image!.image}" not found: pull it first`);
  const id = RecordStore.newId();
  const dir = join(deps.dirs.containers, id);
  const logPath = sandbox.config.logDirectory && config.logPath ? join(sandbox.config.logDirectory, config.logPath) : '';
  if (config.logPath && isAbsolute(config.logPath)) throw invalidArgument('config.log_path must be relative to the sandbox log_directory');
  const record: ContainerRecord = {
    id, sandboxId: sandbox.id, phase: 'creating', state: 'CONTAINER_CREATED', config, image: config.image!.image, imageId: image.id,
    createdAt: deps.state.nowNanos(), startedAt: '0', finishedAt: '0', exitCode: 0, reason: '', message: '', logPath, dir, rootfsKey: id, pid: 0,
    cgroup: `${sandbox.cgroup}/${id}`, stopSignal: stopSignalOf(config, image.config.config),
    // What was asked for, until the spec (below) says what it is.
    sharedPidNamespace: containerPidMode(config) !== 'CONTAINER',
  };
  await deps.state.containers.add(record);
  return deps.state.locks.run(id, async () => {
    try {
      await deps.files.mkdir(dir, { recursive: true, mode: 0o700 });
      const rootfs = await deps.images.prepareRootfs(id, image.id, deps.host.mounter);
      const input = specInputFor({ id, config, sandbox, image: image.config.config ?? {}, rootfs, cgroupsPath: deps.cgroups.runcPath(record.cgroup), etcPasswd: await imageEtcFile(rootfs, 'passwd'), etcGroup: await imageEtcFile(rootfs, 'group'), host: deps.hostLimits, deviceInfo: await devices(deps.files, config.devices.map((d) => d.hostPath)), podPidOf: (target) => (!target && holderPid) || podPid(deps.state.containers.list(), sandbox.id, target) });
      if (config.linux?.securityContext?.seccomp?.profileType === 'Localhost') {
        const path = config.linux.securityContext.seccomp.localhostRef;
        input.seccompLocalhost = await deps.files.readText(path).catch((err: Error) => { throw invalidArgument(`seccomp profile ${path}: ${err.message}`); });
      }
      const { spec, warnings } = specOf(input);
      for (const w of warnings) deps.log(`container ${id}: ${w}`);
      await deps.files.write(join(dir, 'config.json'), JSON.stringify(spec));
      if (logPath) await deps.files.mkdir(join(logPath, '..'), { recursive: true });
      const { pid } = await deps.oci.create({ id, bundle: dir, logPath: logPath || join(dir, 'console.log'), stateDir: dir, tty: config.tty, stdin: config.stdin, stdinOnce: config.stdinOnce });
      const created = await deps.state.moveContainer(id, 'CONTAINER_CREATED', (r) => {
        r.pid = pid;
        r.sharedPidNamespace = sharesPidNamespace(spec);
      });
      emit(deps, created, 'CONTAINER_CREATED_EVENT');
      return { containerId: id };
    } catch (err) {
      await deps.oci.delete(id).catch(() => undefined);
      await deps.images.removeRootfs(id, deps.host.mounter).catch(() => undefined);
      await deps.files.remove(dir);
      await deps.state.containers.delete(id);
      throw err;
    }
  });
};
