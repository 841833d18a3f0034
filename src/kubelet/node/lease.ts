// The node's heartbeat (upstream pkg/kubelet/nodelease and component-helpers' lease
// controller): Lease kube-node-lease/<node>, holder the node, 40 s duration, renewTime moved
// every 10 s. The last Lease written is updated directly; when that fails (Conflict, or it
// was deleted) the Lease is read again or created. It is owned by the Node, so it goes with it.
import type { Lease } from '../../api/types.js';
import { isNotFound } from '../../client/errors.js';
import type { ResourceClient } from '../../client/resource.js';
import type { Clock } from '../../host/clock.js';
import { microTime } from '../../api/go-time.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
/** Upstream: a quarter of the duration. */
export const LEASE_RENEW_INTERVAL_MS = 10_000;

export interface LeaseDeps {
  /** Bound to kube-node-lease. */
  leases: ResourceClient<Lease>;
  nodeName: string;
  clock: Clock;
  /** The Node's uid once registered, for the owner reference. */
  nodeUid(): string | undefined;
}

export class NodeLease {
  #latest: Lease | undefined;

  constructor(private readonly deps: LeaseDeps) {}

  /** Renews (or creates) the Lease; resolves with it as stored. Rejects with ApiStatusError. */
  async renew(): Promise<Lease> {
    if (this.#latest) {
      try {
        return (this.#latest = await this.deps.leases.update(this.#renewed(this.#latest)));
      } catch {
        this.#latest = undefined; // stale or gone: read it again below
      }
    }
    let current: Lease | undefined;
    try {
      current = await this.deps.leases.get(this.deps.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const lease = current
      ? await this.deps.leases.update(this.#renewed(current))
      : await this.deps.leases.create(this.#renewed({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.deps.nodeName, namespace: LEASE_NAMESPACE } }));
    return (this.#latest = lease);
  }

  #renewed(lease: Lease): Lease {
    const uid = this.deps.nodeUid();
    const owned = lease.metadata.ownerReferences?.length || !uid
      ? {}
      : { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.deps.nodeName, uid }] };
    return {
      ...lease,
      metadata: { ...lease.metadata, ...owned },
      spec: { ...lease.spec, holderIdentity: this.deps.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(this.deps.clock.now()) },
    };
  }
}
