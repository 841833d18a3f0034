import { invalid } from '../errors.js';
import type { BridgeVlan, Link, NetOp } from './types.js';

/** What a batch needs to know of the namespace before it runs, to take itself back. */
export interface Snapshot {
  links: readonly Link[];
  sysctls: ReadonlyMap<string, string>;
  /** Bridge VLANs, read when the batch changes some (or a port's master, which flushes them). */
  vlans?: readonly BridgeVlan[];
}

type LinkSet = Extract<NetOp, { op: 'link.set' }>;
type VlanOp = Extract<NetOp, { op: 'bridge.vlan.add' | 'bridge.vlan.del' }>;

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

/** Whether running ops needs the link list and bridge VLANs, and which sysctls, captured beforehand. */
export function snapshotNeeds(ops: readonly NetOp[]): { links: boolean; vlans: boolean; sysctls: string[] } {
  // Links the batch creates have no VLANs to put back.
  const created = new Set<string>();
  const vlans = ops.some((o) => {
    if (o.op === 'link.add') created.add(o.name);
    if (o.op === 'bridge.vlan.add' || o.op === 'bridge.vlan.del') return !created.has(o.dev);
    return o.op === 'link.set' && o.master !== undefined && !created.has(o.name);
  });
  return {
    links: vlans || ops.some((o) => o.op === 'link.set'),
    vlans,
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
      case 'bridge.vlan.add': case 'bridge.vlan.del': return created.has(op.dev) ? [] : undoVlan(op, before);
      case 'link.del': case 'route.replace': return [];
    }
  });
  return steps.reverse().flat();
}

const vlanAdd = (dev: string, v: BridgeVlan): NetOp => ({ op: 'bridge.vlan.add', dev, vid: v.vid, ...(v.pvid ? { pvid: true } : {}), ...(v.untagged ? { untagged: true } : {}) });

/** Puts back the port's entry for the vid as it was, and its PVID, which an add with pvid moved. */
function undoVlan(op: VlanOp, before: Snapshot): UndoStep[] {
  const prior = (before.vlans ?? []).filter((v) => v.dev === op.dev);
  const had = prior.find((v) => v.vid === op.vid);
  if (op.op === 'bridge.vlan.del') return had ? [{ op: vlanAdd(op.dev, had) }] : [];
  const steps: UndoStep[] = [{ op: had ? vlanAdd(op.dev, had) : { op: 'bridge.vlan.del', dev: op.dev, vid: op.vid } }];
  const oldPvid = prior.find((v) => v.pvid && v.vid !== op.vid);
  if (op.pvid && oldPvid) steps.push({ op: vlanAdd(op.dev, oldPvid) });
  return steps;
}

/** A port that changed bridge lost its VLANs: it gets back the ones it had (the kernel gives it VLAN 1). */
function restorePortVlans(name: string, before: Snapshot): UndoStep[] {
  if (!before.vlans) return [];
  const prior = before.vlans.filter((v) => v.dev === name);
  return [
    ...(prior.some((v) => v.vid === 1) ? [] : [{ op: { op: 'bridge.vlan.del', dev: name, vid: 1 } as NetOp }]),
    ...prior.map((v) => ({ op: vlanAdd(name, v) })),
  ];
}

function undoLinkSet(op: LinkSet, before: Snapshot, batchNetns: string | undefined): UndoStep[] {
  const prior = before.links.find((l) => l.name === op.name);
  if (!prior) return [];
  const name = op.rename ?? op.name;
  const steps: UndoStep[] = [];
  if (op.netns !== undefined) steps.push({ netns: op.netns, op: { op: 'link.set', name, netns: batchNetns ?? '/proc/self/ns/net' } });
  const restore: LinkSet = { op: 'link.set', name };
  if (op.rename !== undefined) restore.rename = op.name;
  if (op.mtu !== undefined) restore.mtu = prior.mtu;
  if (op.mac !== undefined && prior.mac) restore.mac = prior.mac;
  if (op.master !== undefined) restore.master = prior.master || null;
  if (op.promisc !== undefined) restore.promisc = prior.promisc;
  if (op.hairpin !== undefined && prior.master) restore.hairpin = prior.hairpin;
  if (op.vlanFiltering !== undefined && prior.kind === 'bridge') restore.vlanFiltering = prior.vlanFiltering ?? false;
  // A link moved away loses its addresses, so only its state comes back, and up comes last.
  if (op.up !== undefined || op.netns !== undefined) restore.up = prior.up;
  steps.push({ op: restore });
  if (op.master !== undefined && prior.master && op.master !== prior.master) steps.push(...restorePortVlans(name, before));
  return steps;
}
