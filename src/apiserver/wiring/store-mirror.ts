// A live copy of every object under one store prefix (list in pages at one revision, then
// watch from it; relist when the watch fails or falls behind compaction): what an informer is
// to a controller, for the apiserver's own in-process readers (RBAC, the serviceaccount loop,
// the objects ServiceAccount tokens name). A projection keeps only what a reader needs.
import { isObject, type KubeObject } from '../../api/types.js';
import type { Store, WatchEvent } from '../../store/types.js';

export interface StoreMirror<T = KubeObject> {
  /** Resolves once the first list is in; rejects if stop() comes first. */
  readonly ready: Promise<void>;
  /** The objects now, by store key. */
  readonly objects: ReadonlyMap<string, T>;
  /** Ends the watch; resolves when the loop has stopped. Never rejects. */
  stop(): Promise<void>;
}

export interface MirrorOptions<T = KubeObject> {
  /** What is kept of stored bytes; undefined drops the key. Default: parseStored. Must not throw. */
  project?: (value: Buffer) => T | undefined;
  /** Called for every object listed or changed (undefined when deleted). Its rejections are logged, not retried. */
  onChange?: (key: string, obj: T | undefined) => Promise<void> | void;
  log?: (msg: string) => void;
  /** Pause before a relist after a failure; default 500 ms. */
  retryMs?: number;
}

const PAGE = 1000;

/** Starts mirroring `prefix` (ending in '/'). Never throws; store failures are logged and retried. */
export function mirrorPrefix<T = KubeObject>(store: Store, prefix: string, opts: MirrorOptions<T> = {}): StoreMirror<T> {
  const project = opts.project ?? (parseStored as (value: Buffer) => T | undefined);
  const objects = new Map<string, T>();
  const abort = new AbortController();
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => { markReady = res; failReady = rej; });
  ready.catch(() => {});
  const changed = async (key: string, obj: T | undefined) => {
    if (obj !== undefined) objects.set(key, obj); else objects.delete(key);
    try {
      await opts.onChange?.(key, obj);
    } catch (e) {
      opts.log?.(`${prefix}: handling ${key}: ${(e as Error).message}`);
    }
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const seen = new Set<string>();
        let revision: number | undefined;
        for (let after: string | undefined; ;) {
          const page = await store.list(prefix, { limit: PAGE, after, revision });
          revision = page.revision;
          for (const kv of page.items) { seen.add(kv.key); await changed(kv.key, project(kv.value)); }
          if (!page.remaining || !page.items.length) break;
          after = page.items.at(-1)!.key;
        }
        for (const key of [...objects.keys()]) if (!seen.has(key)) await changed(key, undefined);
        markReady();
        for await (const ev of store.watch(prefix, revision!, abort.signal)) await apply(ev);
      } catch (e) {
        if (abort.signal.aborted) break;
        opts.log?.(`${prefix}: watch ended (${(e as Error).message}); relisting`);
      }
      await sleep(opts.retryMs ?? 500, abort.signal);
    }
  })();

  async function apply(ev: WatchEvent): Promise<void> {
    if (ev.type === 'put') await changed(ev.kv.key, project(ev.kv.value));
    else await changed(ev.key, undefined);
  }

  return {
    ready,
    objects,
    async stop() {
      abort.abort();
      failReady(new Error('stopped'));
      await loop;
    },
  };
}

/** A stored object: JSON with a metadata object, or undefined for bytes that are not one. */
export function parseStored(value: Buffer): KubeObject | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  return isObject(parsed) && isObject(parsed.metadata) ? { ...parsed, metadata: parsed.metadata } : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}
