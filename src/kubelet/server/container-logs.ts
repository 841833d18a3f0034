// GET /containerLogs/{namespace}/{pod}/{container}: the container's CRI log file, read as
// upstream's kubelet reads it (tail, since, timestamps, limitBytes; previous = the instance
// before the newest; follow = keep reading until the container is no longer running).
import type { ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { parsePodLogQuery } from '../../api/pod-log-options.js';
import type { Pod } from '../../api/types.js';
import { sleep } from '../../client/timers.js';
import type { KubeletCommon } from '../types.js';
import { containerInstances, findPod, podHasContainer } from './containers.js';
import { LogFilter, readOptions, tailStart } from './cri-log.js';
import { HttpError } from './http-error.js';

/** How long a follow waits for a write before looking again (upstream's logForceCheckPeriod). */
const FORCE_CHECK_MS = 1000;

export type LogDeps = Pick<KubeletCommon, 'cri' | 'files' | 'clock' | 'timers'> & { pods: () => readonly Pod[] };

/**
 * Streams the log to res. Throws HttpError before anything is written (400 missing parts or
 * no such instance, 404 unknown pod or container, 422 invalid options); once streaming, a
 * failure ends the response.
 */
export async function serveContainerLogs(deps: LogDeps, parts: readonly string[], query: URLSearchParams, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const [namespace, podName, container] = parts;
  if (!namespace) throw new HttpError(400, '{"message": "Missing podNamespace."}');
  if (!podName) throw new HttpError(400, '{"message": "Missing podID."}');
  if (!container) throw new HttpError(400, '{"message": "Missing container name."}');
  const q = new URLSearchParams(query);
  // The old "tail" parameter, as upstream still takes it ("all" is no tail).
  const tail = q.get('tail');
  if (tail) {
    if (tail === 'all') q.delete('tailLines');
    else q.set('tailLines', tail);
  }
  const parsed = parsePodLogQuery(q);
  if (!parsed.ok) throw 'badRequest' in parsed ? new HttpError(400, '{"message": "Unable to decode query."}') : new HttpError(422, '{"message": "Invalid request."}');
  const pod = findPod(deps.pods(), namespace, podName);
  if (!pod) throw new HttpError(404, `pod "${podName}" does not exist`);
  if (!podHasContainer(pod, container)) throw new HttpError(404, `container "${container}" not found in pod "${podName}"`);
  const opts = parsed.options;
  const instances = await containerInstances(deps.cri, pod, container);
  const instance = opts.previous ? instances[1] : instances[0];
  if (!instance) {
    throw new HttpError(400, opts.previous
      ? `previous terminated container "${container}" in pod "${podName}" not found`
      : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
  }
  const { status } = await deps.cri.runtime.containerStatus({ containerId: instance.id });
  const path = status?.logPath;
  if (!path) throw new HttpError(400, `container "${container}" in pod "${podName}" has no log file`);

  const read = readOptions(opts, deps.clock.now());
  // A previous instance has exited: following it is reading it.
  if (opts.previous) read.follow = false;
  const filter = new LogFilter(read);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let data = await readLog(deps, path);
  let offset = tailStart(data, read.tail);
  const emit = (atEnd: boolean) => {
    const { out, used } = filter.take(data.subarray(offset), atEnd);
    offset += used;
    for (const c of out) res.write(c.data);
  };
  emit(!read.follow);
  if (read.follow) await follow(deps, path, instance.id, signal, async () => {
    data = await readLog(deps, path);
    emit(false);
    return filter.done;
  });
  res.end();
}

/** The file's bytes; an absent file is empty (the runtime has not written yet). */
async function readLog(deps: LogDeps, path: string): Promise<Buffer> {
  try {
    return Buffer.from(await deps.files.readText(path), 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}

/**
 * Calls more() after each change of the log's directory, or every second, while the container
 * runs and the client listens; once it stops running, one last more() takes what it wrote last.
 */
async function follow(deps: LogDeps, path: string, containerId: string, signal: AbortSignal, more: () => Promise<boolean>): Promise<void> {
  let wake: (() => void) | undefined;
  const changed = () => wake?.();
  let watch: { close(): void } | undefined;
  try {
    watch = deps.files.watch(dirname(path), changed, () => { watch = undefined; });
  } catch {
    // No watch (the directory went): the periodic check still reads.
  }
  try {
    while (!signal.aborted) {
      const running = await isRunning(deps, containerId);
      if (await more()) return;
      if (!running) return;
      const waker = new AbortController();
      wake = () => waker.abort();
      const onAbort = () => waker.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      await sleep(deps.timers, FORCE_CHECK_MS, waker.signal);
      signal.removeEventListener('abort', onAbort);
      wake = undefined;
    }
  } finally {
    watch?.close();
  }
}

async function isRunning(deps: LogDeps, containerId: string): Promise<boolean> {
  try {
    const { status } = await deps.cri.runtime.containerStatus({ containerId });
    return String(status?.state) === 'CONTAINER_RUNNING';
  } catch {
    return false;
  }
}
