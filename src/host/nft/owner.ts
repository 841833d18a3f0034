import { createHash } from 'node:crypto';
import { isNotFound } from '../errors.js';
import { Transaction } from './transaction.js';
import type { Family, Nft } from './types.js';

// Elements that belong to a pod carry a comment naming their owner, so DEL and GC find
// them again without keeping state of their own (used by skiff-portmap and skiff-bridge).

export interface Owner {
  network: string;
  containerId: string;
  ifname: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const SAFE = /^[A-Za-z0-9_.-]+$/;

/** The network part of a tag: the name itself, or a hash when it cannot be one. */
export function networkTag(network: string): string {
  return network.length <= 40 && SAFE.test(network) ? network : `#${sha(network).slice(0, 16)}`;
}

/**
 * The comment that marks an owner's elements: 'net/containerID/ifname', or with the
 * containerID/ifname part hashed when it would not fit nft's 128-character comments.
 * Deterministic, so DEL and GC recompute it; the network part is always readable, so GC
 * only ever touches its own network's elements.
 */
export function ownerTag(o: Owner): string {
  const net = networkTag(o.network);
  const rest = `${o.containerId}/${o.ifname}`;
  const full = `${net}/${rest}`;
  return full.length <= 128 && SAFE.test(o.containerId) && SAFE.test(o.ifname) ? full : `${net}/#${sha(rest).slice(0, 40)}`;
}

/**
 * Deletes, in one transaction, every set or map element of the given tables whose tag
 * `drop` picks. Missing tables are fine: there is nothing of anyone's to delete.
 */
export async function deleteTagged(nft: Nft, netns: string | undefined, tables: readonly { family: Family; table: string }[], drop: (tag: string | undefined) => boolean): Promise<void> {
  const tx = new Transaction();
  for (const { family, table } of tables) {
    const contents = await nft.listTable(family, table, netns).catch((err): undefined => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    for (const set of contents?.sets ?? []) {
      const at = set.kind === 'map' ? { map: set.name } : { set: set.name };
      for (const e of set.elements) if (drop(e.comment)) tx.delete({ kind: 'element', family, table, ...at, key: e.key });
    }
  }
  await nft.run(tx, netns);
}

/** A `drop` for GC: the network's elements whose owner is not among the valid attachments. */
export function notValid(network: string, valid: readonly { containerID: string; ifname: string }[]): (tag: string | undefined) => boolean {
  const keep = new Set(valid.map((a) => ownerTag({ network, containerId: a.containerID, ifname: a.ifname })));
  const prefix = `${networkTag(network)}/`;
  return (tag) => tag !== undefined && tag.startsWith(prefix) && !keep.has(tag);
}
