// A live copy of every object under one store prefix (list, then watch from the list's
// revision; relist when the watch fails or falls behind compaction): what an informer is to
// a controller, for the apiserver's own in-process readers (RBAC, the serviceaccount loop).
import type { Store, WatchEvent } from '../../store/types.js';

export type Obj = Record<string, any>;

export interface StoreMirror {
  /** Resolves once the first list is in; rejects if stop() comes first. */
  readonly ready: Promise<void>;
  /** The objects now, by store key. */
  readonly objects: ReadonlyMap<string, Obj>;
  /** Ends the watch; resolves when the loop has stopped. Never rejects. */
  stop(): Promise<void>;
}

export interface MirrorOptions {
  /** Called for every object listed or changed (undefined when deleted). Its rejections are logged, not retried. */
  onChange?: (key: string, obj: Obj | undefined) => Promise<void> | void;
  log?: (msg: string) => void;
  /** Pause before a relist after a failure; default 500 ms. */
  retryMs?: number;
}

/** Starts mirroring `prefix` (ending in '/'). Never throws; store failures are logged and retried. */
export function mirrorPrefix(store: Store, prefix: string, opts: MirrorOptions = {}): StoreMirror {
  const objects = new Map<string, Obj>();
  const abort = new AbortController();
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => { markReady = res; failReady = rej; });
  ready.catch(() => {});
  const changed = async (key: string, obj: Obj | undefined) => {
    if (obj) objects.set(key, obj); else objects.delete(key);
    try {
      await opts.onChange?.(key, obj);
    } catch (e) {
      opts.log?.(`${prefix}: handling ${key}: ${(e as Error).message}`);
    }
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const { items, revision } = await store.list(prefix);
        const seen = new Set(items.map((kv) => kv.key));
        for (const key of [...objects.keys()]) if (!seen.has(key)) await changed(key, undefined);
        for (const kv of items) await changed(kv.key, parse(kv.value));
        markReady();
        for await (const ev of store.watch(prefix, revision, abort.signal)) await apply(ev);
      } catch (e) {
        if (abort.signal.aborted) break;
        opts.log?.(`${prefix}: watch ended (${(e as Error).message}); relisting`);
      }
      await sleep(opts.retryMs ?? 500, abort.signal);
    }
  })();

  async function apply(ev: WatchEvent): Promise<void> {
    if (ev.type === 'put') await changed(ev.kv.key, parse(ev.kv.value));
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

function parse(value: Buffer): Obj | undefined {
  try {
    return JSON.parse(value.toString('utf8')) as Obj;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}
