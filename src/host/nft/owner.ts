import { createHash } from 'node:crypto';

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
