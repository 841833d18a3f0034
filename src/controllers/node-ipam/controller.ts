// Upstream's node IPAM controller with the range allocator (pkg/controller/nodeipam,
// ipam/range_allocator.go): every Node gets spec.podCIDR(s) from the cluster CIDR. The set of
// blocks in use is not stored anywhere: on start it is rebuilt from the Nodes that already have
// one (so a restart keeps every assignment), before any new Node is served; a deleted Node's
// block goes back to the set.
import type { Node } from '../../api/types.js';
import { deletedKey, DeletedFinalStateUnknown, type Informer } from '../../client/informer.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import type { ResourceClient } from '../../client/resource.js';
import type { Timers } from '../../client/timers.js';
import { defaultControllerRateLimiter } from '../../client/rate-limiters.js';
import { runWorker, WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../host/clock.js';
import { CidrSet } from './cidr-set.js';

export interface NodeIpamDeps {
  /** The Nodes' cache; started by the caller's InformerFactory. */
  readonly nodes: Informer<Node>;
  /** Writes spec.podCIDR(s). */
  readonly client: ResourceClient<Node>;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly log: (line: string) => void;
  /** --cluster-cidr, e.g. 10.244.0.0/16. */
  readonly clusterCidr: string;
  /** --node-cidr-mask-size, e.g. 24. */
  readonly nodeCidrMaskSize: number;
}

export interface NodeIpam {
  /** Resolves once the existing assignments are known and the worker runs. */
  readonly ready: Promise<void>;
  /** Stops taking Nodes and waits for the one being written. */
  stop(): Promise<void>;
}

/** Writes retried at once after a Conflict before the key goes back to the queue. */
const CONFLICT_RETRIES = 5;

/** The cidrs a Node holds (podCIDRs, else the older podCIDR). */
export function podCidrsOf(node: Node): string[] {
  const cidrs = node.spec?.podCIDRs ?? [];
  if (cidrs.length > 0) return cidrs;
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

/** Starts the controller. Throws Error at once when the cluster CIDR or mask size are invalid (a flag error). */
export function startNodeIpam(deps: NodeIpamDeps): NodeIpam {
  const set = new CidrSet(deps.clusterCidr, deps.nodeCidrMaskSize);
  const queue = new WorkQueue({ clock: deps.clock, timers: deps.timers, rateLimiter: defaultControllerRateLimiter(deps.clock) });
  const occupy = (node: Node) => {
    for (const cidr of podCidrsOf(node)) {
      try {
        set.occupy(cidr);
      } catch (err) {
        // As upstream: a Node given a CIDR outside the range by someone else keeps it; it is just not ours.
        deps.log(`node ${node.metadata.name}: ${(err as Error).message}`);
      }
    }
  };
  const release = (node: Node) => {
    for (const cidr of podCidrsOf(node)) {
      try {
        set.release(cidr);
      } catch {
        // Outside the range: never ours to give back.
      }
    }
  };

  deps.nodes.addHandlers({
    onAdd: (n) => queue.add(n.metadata.name!),
    onUpdate: (_old, n) => {
      if (podCidrsOf(n).length === 0) queue.add(n.metadata.name!);
    },
    onDelete: (n) => {
      release(n instanceof DeletedFinalStateUnknown ? n.obj : n);
      queue.forget(deletedKey(n));
      // Nodes left waiting by a full range try again now rather than after their backoff.
      for (const waiting of deps.nodes.store.list()) if (podCidrsOf(waiting).length === 0) queue.add(waiting.metadata.name!);
    },
  });

  /** Level-triggered: reads the cached Node; a Node with cidrs keeps them, one without gets the next block. */
  const reconcile = async (name: string): Promise<void> => {
    const node = deps.nodes.store.get(name);
    if (!node) return;
    if (podCidrsOf(node).length > 0) {
      occupy(node);
      return;
    }
    const cidr = set.allocateNext();
    try {
      if (!(await assign(name, node, cidr))) set.release(cidr);
    } catch (err) {
      set.release(cidr);
      if (isNotFound(err)) return;
      throw err;
    }
  };

  /**
   * Writes cidr into the Node, conditional on the resourceVersion last seen, so a block never
   * lands on a Node that got one meanwhile. A kubelet writes its first status right after
   * creating its Node, so the cached copy is often one write behind: on a Conflict the Node is
   * read again and the same block written to the newer copy (a few times, then the queue's
   * backoff takes over). Resolves false when the Node turned out to have cidrs already (kept).
   */
  const assign = async (name: string, seen: Node, cidr: string): Promise<boolean> => {
    let current = seen;
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.client.patch(name, 'merge', { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { podCIDR: cidr, podCIDRs: [cidr] } });
        deps.log(`node ${name}: podCIDR ${cidr}`);
        return true;
      } catch (err) {
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      }
      current = await deps.client.get(name);
      if (podCidrsOf(current).length > 0) {
        occupy(current);
        return false;
      }
    }
  };

  let worker: Promise<void> | undefined;
  const ready = (async () => {
    await deps.nodes.waitForSync();
    // Every assignment that exists is taken before any new one is made.
    for (const node of deps.nodes.store.list()) occupy(node);
    worker = runWorker(queue, reconcile, (name, err) => deps.log(`node ${name}: assigning a podCIDR failed, will retry: ${(err as Error).message}`));
  })();
  return {
    ready,
    async stop() {
      await queue.shutDownWithDrain();
      await worker;
    },
  };
}
