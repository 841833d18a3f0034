// The strategic merge patch that takes a Node from `old` to `next` on the status subresource,
// as upstream's nodeutil.PatchNodeStatus: only what changed is sent, maps key by key,
// conditions by their merge key `type` with their order set, addresses whole.
// Upstream appends `{"$patch": "replace"}` to the addresses (their merge key `type` is not
// unique); skiff's apiserver treats addresses as an atomic list and would store that directive
// as an item, so the list goes as it is: replaced there, merged by type upstream, which is the
// same for the InternalIP + Hostname pair this kubelet writes.
// Spec is never patched here; metadata labels and annotations are, as upstream does through
// the status subresource. Lists without a merge key (images, runtimeHandlers) are atomic.
import type { Json, JsonObject, Node } from '../../api/types.js';
import { isObject, jsonEqual } from '../../api/types.js';
import { ownValue, setOwn } from '../../own-keys.js';

/** Lists of NodeStatus that merge by a key (the rest replace whole). */
const MERGE_KEYS = new Map([['conditions', 'type']]);
const NO_MERGE_KEYS = new Map<string, string>();

/** The patch, or undefined when old and next have the same status and metadata maps. */
export function nodeStatusPatch(old: Node, next: Node): JsonObject | undefined {
  const patch: JsonObject = {};
  const meta: JsonObject = {};
  const labels = diffMap(old.metadata.labels ?? {}, next.metadata.labels ?? {}, NO_MERGE_KEYS);
  if (labels) meta.labels = labels;
  const annotations = diffMap(old.metadata.annotations ?? {}, next.metadata.annotations ?? {}, NO_MERGE_KEYS);
  if (annotations) meta.annotations = annotations;
  if (labels || annotations) patch.metadata = meta;
  const nextStatus = (next.status ?? {}) as JsonObject;
  const status = diffMap((old.status ?? {}) as JsonObject, nextStatus, MERGE_KEYS);
  if (status) patch.status = status;
  return Object.keys(patch).length ? patch : undefined;
}

/** Two-way merge of plain maps: changed keys, null for removed ones; undefined when equal. */
function diffMap(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, mergeKeys: ReadonlyMap<string, string>): JsonObject | undefined {
  const out: JsonObject = {};
  for (const key of Object.keys(a)) if (!Object.hasOwn(b, key)) setOwn(out, key, null);
  for (const [key, value] of Object.entries(b)) {
    const before = ownValue(a, key);
    if (jsonEqual(before, value)) continue;
    const mergeKey = mergeKeys.get(key);
    if (mergeKey && Array.isArray(before) && Array.isArray(value)) {
      for (const [k, v] of diffKeyedList(key, mergeKey, before as JsonObject[], value as JsonObject[])) setOwn(out, k, v);
    } else if (isObject(before) && isObject(value)) {
      const d = diffMap(before, value, NO_MERGE_KEYS);
      if (d) setOwn(out, key, d);
    } else {
      setOwn(out, key, value as Json);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** A list merged by key: changed and new items whole, removed ones `$patch: delete`, then the order. */
function diffKeyedList(field: string, key: string, a: readonly JsonObject[], b: readonly JsonObject[]): [string, Json][] {
  const keyOf = (item: JsonObject): Json => ownValue(item, key) ?? null;
  const before = new Map(a.map((item) => [keyOf(item), item]));
  const after = new Set(b.map(keyOf));
  const items: Json[] = b.filter((item) => !jsonEqual(before.get(keyOf(item)), item));
  for (const item of a) {
    if (after.has(keyOf(item))) continue;
    const removed: JsonObject = { $patch: 'delete' };
    setOwn(removed, key, keyOf(item));
    items.push(removed);
  }
  const order = b.map((item) => {
    const entry: JsonObject = {};
    setOwn(entry, key, keyOf(item));
    return entry;
  });
  return [[`$setElementOrder/${field}`, order], [field, items]];
}
