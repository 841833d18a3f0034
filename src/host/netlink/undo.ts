import { invalid } from '../errors.js';
import type { Link, NetOp } from './types.js';

/** What a batch needs to know of the namespace before it runs, to take itself back. */
export interface Snapshot {
  links: readonly Link[];
  sysctls: ReadonlyMap<string, string>;
}

/** One step of an undo plan; `netns` differs from the batch's when a link was moved away. */
export interface UndoStep {
  op: NetOp;
  netns?: string | undefined;
}

const IRREVERSIBLE = new Set<NetOp['op']>(['link.del', 'route.replace']);

/** Refuses a batch where a reversible op follows one that cannot be taken back. */
export function checkUndoable(ops: readonly NetOp[]): void {
  const first = ops.findIndex((o) => IRREVERSIBLE.has(o.op));
  if (first < 0) return;
  const later = ops.slice(first).findIndex((o) => !IRREVERSIBLE.has(o.op));
  if (later >= 0) throw invalid(`op ${first + later} (${ops[first + later]!.op}) follows ${ops[first]!.op} at ${first}, which cannot be taken back: put link.del and route.replace last`);
}

/** Whether running ops needs the link list, and which sysctls, captured beforehand. */
export function snapshotNeeds(ops: readonly NetOp[]): { links: boolean; sysctls: string[] } {
  return {
    links: ops.some((o) => o.op === 'link.set'),
    sysctls: [...new Set(ops.flatMap((o) => (o.op === 'sysctl.set' ? [o.key] : [])))],
  };
}

/**
 * The ops that take back `applied` (in the order to run them), given the namespace as it
 * was before. `batchNetns` is where the batch ran (undefined: the caller's namespace,
 * reachable from elsewhere as /proc/self/ns/net).
 */
export function undoPlan(applied: readonly NetOp[], before: Snapshot, batchNetns: string | undefined): UndoStep[] {
  const created = new Set<string>();
  const steps: UndoStep[][] = applied.map((op) => {
    switch (op.op) {
      case 'link.add':
        created.add(op.name);
        return [{ op: { op: 'link.del', name: op.name } }];
      case 'link.set': return created.has(op.name) ? [] : undoLinkSet(op, before, batchNetns);
      case 'addr.add': return [{ op: { ...op, op: 'addr.del' } }];
      case 'addr.del': return [{ op: { ...op, op: 'addr.add' } }];
      case 'route.add': return [{ op: { ...op, op: 'route.del' } }];
      case 'route.del': return op.via !== undefined || op.dev !== undefined ? [{ op: { ...op, op: 'route.add' } }] : [];
      case 'sysctl.set': {
        const old = before.sysctls.get(op.key);
        return old === undefined ? [] : [{ op: { op: 'sysctl.set', key: op.key, value: old } }];
      }
      case 'link.del': case 'route.replace': return [];
    }
  });
  return steps.reverse().flat();
}

function undoLinkSet(op: Extract<NetOp, { op: 'link.set' }>, before: Snapshot, batchNetns: string | undefined): UndoStep[] {
  const prior = before.links.find((l) => l.name === op.name);
  if (!prior) return [];
  const name = op.rename ?? op.name;
  const steps: UndoStep[] = [];
  if (op.netns !== undefined) steps.push({ netns: op.netns, op: { op: 'link.set', name, netns: batchNetns ?? '/proc/self/ns/net' } });
  const restore: Extract<NetOp, { op: 'link.set' }> = { op: 'link.set', name };
  if (op.rename !== undefined) restore.rename = op.name;
  if (op.mtu !== undefined) restore.mtu = prior.mtu;
  if (op.mac !== undefined && prior.mac) restore.mac = prior.mac;
  if (op.master !== undefined) restore.master = prior.master || null;
  if (op.promisc !== undefined) restore.promisc = prior.promisc;
  if (op.hairpin !== undefined && prior.master) restore.hairpin = prior.hairpin;
  // A link moved away loses its addresses, so only its state comes back, and up comes last.
  if (op.up !== undefined || op.netns !== undefined) restore.up = prior.up;
  steps.push({ op: restore });
  return steps;
}
