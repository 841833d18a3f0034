// YAML request bodies parsed on a worker thread: the `yaml` package needs ~20 µs per token
// (300k `k: v` lines 7 s, a flow list of 1M items 19 s, measured), which on the event loop
// would stall every other client of the apiserver. Small bodies stay inline (a few ms); a
// parse that runs past its deadline ends the worker (a fresh one takes the next job) and
// fails as a 400-worthy error. Jobs run one at a time, in order.
import { Worker } from 'node:worker_threads';
import { parse as parseYaml } from 'yaml';
import { decodeYaml, yamlPrecheck, type YamlDecoded } from './strict-decode.js';
import type { YamlAnswer, YamlJob } from './yaml-worker.js';

/** Below this many characters the yaml package answers within a few milliseconds: no worker. */
const INLINE_YAML_CHARS = 16 * 1024;
/** Upstream's request timeout is 60 s; a parse this long is an attack, not a manifest. */
const YAML_DEADLINE_MS = 10_000;

export interface YamlOffloadOptions { inlineChars?: number; deadlineMs?: number }

interface Pending { job: YamlJob; deadlineMs: number; resolve: (a: YamlAnswer) => void }
interface Running extends Pending { timer: NodeJS.Timeout; worker: Worker }

/** One worker, started on first use and restarted after a deadline; unref'd so it never keeps a process alive. */
class YamlWorkerQueue {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private running: Running | undefined;
  private nextId = 1;

  run(text: string, mode: YamlJob['mode'], deadlineMs: number): Promise<YamlAnswer> {
    return new Promise((resolve) => {
      this.queue.push({ job: { id: this.nextId++, text, mode }, deadlineMs, resolve });
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    const { deadlineMs } = next;
    const worker = this.ensureWorker();
    const timer = setTimeout(() => {
      // Past the deadline: the only way to stop a synchronous parse is to end its thread
      // (before the next job is handed out, which then gets a new worker).
      if (this.worker === worker) this.worker = undefined;
      void worker.terminate();
      this.finish({ id: next.job.id, ok: false, message: `the document took longer than ${deadlineMs / 1000}s to parse` });
    }, deadlineMs);
    timer.unref();
    this.running = { ...next, timer, worker };
    worker.postMessage(next.job);
  }

  private finish(answer: YamlAnswer): void {
    const current = this.running;
    if (!current || current.job.id !== answer.id) return;
    clearTimeout(current.timer);
    this.running = undefined;
    current.resolve(answer);
    this.pump();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const file = workerFile();
    // From the sources (tests under tsx) the worker must register tsx's loader before it can
    // import a .ts entry (Node 20 does not pass --import hooks to workers); the bundle is JS.
    const worker = file.pathname.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); })`, { eval: true })
      : new Worker(file);
    worker.unref();
    worker.on('message', (a: YamlAnswer) => this.finish(a));
    // A crash (out of memory...) fails the job it was running; the next job gets a new worker.
    worker.on('error', (err) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.running) this.finish({ id: this.running.job.id, ok: false, message: err.message });
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      // Ended under a job (stop(), or a crash without an error event): fail that job, not hang it.
      if (this.running?.worker === worker) this.finish({ id: this.running.job.id, ok: false, message: 'the YAML parser stopped' });
    });
    this.worker = worker;
    return worker;
  }
}

/**
 * The worker's entry, from where this module runs: yaml-worker.ts beside this file under tsx;
 * in the bundle, dist/cli/yaml-worker.js, beside the entry or one level above its chunks
 * (scripts/build.mjs: chunkNames 'chunks/[name]-[hash]').
 */
export function workerFile(self: string = import.meta.url): URL {
  if (self.endsWith('.ts')) return new URL('./yaml-worker.ts', self);
  return new URL(/\/chunks\/[^/]*$/.test(self) ? '../yaml-worker.js' : './yaml-worker.js', self);
}

let shared: YamlWorkerQueue | undefined;

/** decodeYaml (values and go-yaml's duplicate complaints) off the event loop. Rejects with decodeYaml's errors, or the deadline's. */
export async function decodeYamlAsync(text: string, opts: YamlOffloadOptions = {}): Promise<YamlDecoded> {
  if (text.length <= (opts.inlineChars ?? INLINE_YAML_CHARS)) return decodeYaml(text);
  const settled = yamlPrecheck(text);
  if (settled) return { value: settled.value, duplicates: [] };
  const answer = await (shared ??= new YamlWorkerQueue()).run(text, 'decode', opts.deadlineMs ?? YAML_DEADLINE_MS);
  if (!answer.ok) throw new Error(answer.message);
  return { value: answer.value, duplicates: answer.duplicates };
}

/** The yaml package's parse (duplicate keys are errors) on this thread, after the linear checks. Throws their errors or its own. */
export function parseYamlChecked(text: string): unknown {
  const settled = yamlPrecheck(text);
  return settled ? settled.value : parseYaml(text, { maxAliasCount: 100 });
}

/** parseYamlChecked, with the parse of a large body off the event loop. Rejects with its errors, or the deadline's. */
export async function parseYamlAsync(text: string, opts: YamlOffloadOptions = {}): Promise<unknown> {
  if (text.length <= (opts.inlineChars ?? INLINE_YAML_CHARS)) return parseYamlChecked(text);
  const settled = yamlPrecheck(text);
  if (settled) return settled.value;
  const answer = await (shared ??= new YamlWorkerQueue()).run(text, 'parse', opts.deadlineMs ?? YAML_DEADLINE_MS);
  if (!answer.ok) throw new Error(answer.message);
  return answer.value;
}

/** Ends the worker thread, if any (it is unref'd, so only tests that count handles need this). Jobs still queued start a new one. */
export async function stopYamlWorker(): Promise<void> {
  await shared?.stop();
}
