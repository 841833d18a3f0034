// The node half of the kubelet: register the Node, keep its status and its Lease current.
//
//   register (create or adopt, retried 200 ms doubling to 7 s) ─▶ first status patch
//   every 10 s: observe (CRI + machine) ─▶ nodeStatus ─▶ PATCH nodes/<n>/status when it changed
//                                                         or 5 min after the last report
//   every 10 s: renew Lease kube-node-lease/<n> (retried 200 ms doubling to 7 s)
//   informer on its own Node ─▶ spec.podCIDR(s) ─▶ CRI UpdateRuntimeConfig; `registered` resolves
//   registered NotReady: CRI Status every 100 ms until the runtime is ready (at most 2 min), then
//   the status at once — upstream's fastStatusUpdateOnce, so a node is Ready as soon as it can be
import type { Lease, Node } from '../../api/types.js';
import { sleep } from '../../client/timers.js';
import { isUnimplemented } from '../../cri/errors.js';
import type { NodeAgent, NodeAgentDeps } from '../types.js';
import { every, type Periodic } from './every.js';
import { LEASE_NAMESPACE, LEASE_RENEW_INTERVAL_MS, NodeLease } from './lease.js';
import { resolveNodeIp } from './node-ip.js';
import { observe, type NodeCri } from './observe.js';
import { defaultLabels, initialNode, registerNode } from './register.js';
import { afterStatus, initialHealth, readinessErrors, type RuntimeHealth } from './runtime-health.js';
import { nodeStatus, statusChanged, type Observed } from './status.js';
import { nodeStatusPatch } from './status-patch.js';

export const NODES = { group: '', version: 'v1', plural: 'nodes' } as const;
export const LEASES = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' } as const;
/** Upstream nodeStatusUpdateFrequency: how often the status is computed. */
export const STATUS_UPDATE_INTERVAL_MS = 10_000;
/** Upstream nodeStatusReportFrequency: an unchanged status is still written this often. */
export const STATUS_REPORT_INTERVAL_MS = 5 * 60_000;
/** Upstream nodeStatusUpdateRetry: writes tried per sync. */
const STATUS_UPDATE_TRIES = 5;
const RETRY = { initialMs: 200, maxMs: 7_000 };
/** Upstream fastStatusUpdateOnce: how often a NotReady node asks the runtime, and for how long. */
export const FAST_READY_POLL_MS = 100;
export const NODE_READY_GRACE_MS = 120_000;

/** NodeAgentDeps with only the CRI calls the agent makes. */
export type NodeAgentInput = Omit<NodeAgentDeps, 'cri'> & { cri: NodeCri };

export function startNodeAgent(deps: NodeAgentInput): NodeAgent {
  return new Agent(deps);
}

class Agent implements NodeAgent {
  readonly registered: Promise<Node>;
  readonly #deps: NodeAgentInput;
  readonly #nodes;
  readonly #abort = new AbortController();
  readonly #lease: NodeLease;
  #node: Node | undefined;
  #health: RuntimeHealth = initialHealth;
  #lastReport: number | undefined;
  #podCidrSent: string | undefined;
  #loops: Periodic[] = [];
  #running: Promise<void>;
  #fast: Promise<void> | undefined;
  #resolve!: (n: Node) => void;
  #reject!: (e: Error) => void;
  #done = false;

  constructor(deps: NodeAgentInput) {
    this.#deps = deps;
    this.#nodes = deps.client.resource<Node>(NODES);
    this.#lease = new NodeLease({ leases: deps.client.resource<Lease>(LEASES, LEASE_NAMESPACE), nodeName: deps.nodeName, clock: deps.clock, nodeUid: () => this.#node?.metadata.uid });
    this.registered = new Promise<Node>((resolve, reject) => { this.#resolve = resolve; this.#reject = reject; });
    this.registered.catch(() => {}); // a caller that never awaits it must not see an unhandled rejection
    this.#running = this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    await this.#fast;
    await Promise.all(this.#loops.map((l) => l.stop()));
    this.#settle(new Error(`node agent stopped before node "${this.#deps.nodeName}" was registered`));
  }

  async #run(): Promise<void> {
    const { informers, timers, log } = this.#deps;
    const informer = informers.informer<Node>(NODES, { fieldSelector: `metadata.name=${this.#deps.nodeName}` });
    informer.addHandlers({ onAdd: (n) => this.#seen(n), onUpdate: (_, n) => this.#seen(n) });
    let delay = RETRY.initialMs;
    while (!this.#abort.signal.aborted) {
      try {
        await this.#register();
        break;
      } catch (err) {
        log(`node ${this.#deps.nodeName}: registering: ${(err as Error).message}; retrying in ${delay} ms`);
        await sleep(timers, delay, this.#abort.signal);
        delay = Math.min(delay * 2, RETRY.maxMs);
      }
    }
    if (this.#abort.signal.aborted) return;
    const warn = (what: string) => (err: unknown) => log(`node ${this.#deps.nodeName}: ${what}: ${(err as Error).message}`);
    this.#loops.push(every(timers, LEASE_RENEW_INTERVAL_MS, async () => { await this.#lease.renew(); }, warn('renewing lease'), RETRY));
    // Its first run, right after registering, writes only what changed since.
    const status = every(timers, STATUS_UPDATE_INTERVAL_MS, () => this.#syncStatus(), warn('updating status'));
    this.#loops.push(status);
    const ready = this.#node?.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') this.#fast = this.#fastReady(this.#deps.clock.now(), () => status.kick()).catch(warn('waiting for the runtime'));
  }

  /** Polls CRI Status until the node could be Ready (or the grace period is over), then has the status written at once. */
  async #fastReady(start: number, writeNow: () => void): Promise<void> {
    const { cri, clock, timers } = this.#deps;
    while (!this.#abort.signal.aborted) {
      const status = await cri.runtime.status({}).catch(() => undefined);
      const now = clock.now();
      if (status) this.#health = afterStatus(this.#health, status.status?.conditions ?? [], now);
      if (readinessErrors(this.#health, now).length === 0 || now - start >= NODE_READY_GRACE_MS) {
        writeNow();
        return;
      }
      await sleep(timers, FAST_READY_POLL_MS, this.#abort.signal);
    }
  }

  async #register(): Promise<void> {
    const obs = await this.#observe();
    const initial = initialNode(this.#deps.nodeName, defaultLabels(this.#deps.nodeName, obs.machine), nodeStatus(undefined, obs));
    this.#node = await registerNode(this.#nodes, initial);
    this.#deps.log(`node ${this.#deps.nodeName}: registered`);
    await this.#writeStatus(obs);
  }

  /** One sync: recompute the status, write it when it changed or is due. Rejects after the last failed try. */
  async #syncStatus(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#writeStatus(await this.#observe());
      } catch (err) {
        this.#node = undefined; // read it again: it may have changed or gone
        if (attempt >= STATUS_UPDATE_TRIES || this.#abort.signal.aborted) throw err;
      }
    }
  }

  async #writeStatus(obs: Observed): Promise<void> {
    const base = this.#node ?? await this.#nodes.get(this.#deps.nodeName);
    this.#seen(base);
    const next: Node = { ...base, status: nodeStatus(base.status, obs) };
    this.#health = obs.health;
    const due = this.#lastReport === undefined || obs.now - this.#lastReport >= STATUS_REPORT_INTERVAL_MS;
    if (due || statusChanged(base.status, next.status!)) {
      const patch = nodeStatusPatch(base, next);
      if (patch) this.#seen(await this.#nodes.patch(this.#deps.nodeName, 'strategic', patch, { subresource: 'status' }));
      this.#lastReport = obs.now;
    }
    this.#checkRegistered();
  }

  async #observe(): Promise<Observed> {
    const { cri, nodeInfo, rootDir, kubeletPort, nodeName, clock } = this.#deps;
    const nodeIp = await resolveNodeIp(nodeInfo, this.#deps.nodeIp);
    return observe({ cri, nodeInfo, rootDir, nodeIp, hostname: nodeName, kubeletPort, health: this.#health, now: clock.now() });
  }

  /** A newer Node from the server (a write's answer or the informer): keep it, act on its podCIDRs. */
  #seen(node: Node): void {
    if (!this.#node || newer(node, this.#node)) this.#node = node;
    if (this.#abort.signal.aborted) return; // the CRI client may be closed already
    const cidrs = (node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : [])).join(',');
    if (cidrs && cidrs !== this.#podCidrSent) {
      this.#podCidrSent = cidrs;
      this.#deps.cri.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: cidrs } } }).then(
        () => this.#deps.log(`node ${this.#deps.nodeName}: pod CIDR ${cidrs} passed to the runtime`),
        (err: unknown) => {
          if (isUnimplemented(err)) return; // runtimes that configure their network themselves (skiff's)
          this.#podCidrSent = undefined; // tried again at the next sync, as upstream
          this.#deps.log(`node ${this.#deps.nodeName}: UpdateRuntimeConfig(${cidrs}): ${(err as Error).message}`);
        },
      );
    }
    this.#checkRegistered();
  }

  /** Registered: written once with its status, and given a pod CIDR by the node IPAM. */
  #checkRegistered(): void {
    const node = this.#node;
    if (node && this.#lastReport !== undefined && node.spec?.podCIDR) this.#settle(node);
  }

  #settle(result: Node | Error): void {
    if (this.#done) return;
    this.#done = true;
    if (result instanceof Error) this.#reject(result);
    else this.#resolve(result);
  }
}

// Which of two copies of one Node is later. resourceVersions are opaque to clients, but every
// apiserver we talk to (skiff's revisions, etcd's) makes them increasing integers; when they
// are not, the one just received wins.
function newer(a: Node, b: Node): boolean {
  const [x, y] = [a.metadata.resourceVersion ?? '', b.metadata.resourceVersion ?? ''];
  if (/^\d+$/.test(x) && /^\d+$/.test(y)) return BigInt(x) >= BigInt(y);
  return true;
}
