// Service ClusterIPs and NodePorts: each range is one bitmap object in the store, changed by
// compare-and-swap (range-store.ts), so allocations never collide across requests or servers.
// allocate() works like upstream's service REST storage: take what the object asks for (422
// when taken or out of range) or the next free value, roll back on failure, and release what
// an update gave up.
import type { Store } from '../../store/types.js';
import { internalError } from '../status.js';
import { AllocError, Bitmap, staticBandSize } from './bitmap.js';
import { parseCidr, parseIP, type CidrRange } from './cidr.js';
import { RangeStore } from './range-store.js';
import { asAllocError, clusterIPError, familyError, healthCheckNodePortError, nodePortError, rangeFull } from './errors.js';
import {
  allocatesNodePorts, heldIPs, heldNodePorts, mayHaveNodePorts, needsHealthCheckNodePort, patchAllocatedValues, serviceType,
  type AllocPort, type AllocService,
} from './service-fields.js';

export const SERVICE_IPS_KEY = '/registry/ranges/serviceips';
export const NODE_PORTS_KEY = '/registry/ranges/servicenodeports';

export interface ServiceAllocatorOptions {
  /** Default 10.96.0.0/12; its first address is kept for the `kubernetes` service. */
  serviceCidr?: string;
  /** Inclusive; default [30000, 32767]. */
  nodePortRange?: [number, number];
  /** Source of randomness for picking free values; default Math.random. */
  random?: () => number;
}

/**
 * The outcome of one allocate(). After the object is written, commit() frees what an update
 * gave up; if the write fails, undo() frees what allocate() took. Values given up stay taken
 * until commit(), as upstream, so a failed update never leaves the old object's values to
 * someone else. Forgetting commit() only leaks values until the next repair.
 */
export interface Allocation {
  /** Rejects only when the store does. */
  commit(): Promise<void>;
  /** Rejects only when the store does. */
  undo(): Promise<void>;
}

export interface RepairReport {
  /** Human-readable problems found (duplicates, values outside the ranges), as upstream's repair events. */
  problems: string[];
}

type Step = () => Promise<void>;

export class ServiceAllocator {
  readonly serviceRange: CidrRange;
  readonly nodePortRange: [number, number];
  private readonly ips: RangeStore;
  private readonly ports: RangeStore;
  private readonly random: () => number;

  /** Throws an Error when the CIDR or port range is malformed. */
  constructor(store: Store, opts: ServiceAllocatorOptions = {}) {
    this.serviceRange = parseCidr(opts.serviceCidr ?? '10.96.0.0/12');
    const [lo, hi] = opts.nodePortRange ?? [30000, 32767];
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 65535 || lo > hi) throw new Error(`invalid node port range ${lo}-${hi}`);
    this.nodePortRange = [lo, hi];
    this.random = opts.random ?? Math.random;
    this.ips = new RangeStore(store, SERVICE_IPS_KEY, this.serviceRange.cidr, this.serviceRange.size);
    this.ports = new RangeStore(store, NODE_PORTS_KEY, this.portRangeText, hi - lo + 1);
  }

  /** The address reserved for the `kubernetes` service (the range's first). */
  get kubernetesServiceIP(): string {
    return this.serviceRange.ipAt(0);
  }

  private get portRangeText(): string {
    return `${this.nodePortRange[0]}-${this.nodePortRange[1]}`;
  }

  /**
   * Fills svc.spec.clusterIP(s), ipFamilies, ipFamilyPolicy, ports[].nodePort and
   * healthCheckNodePort as its type needs, honouring requested values; with `old` (an update)
   * keeps what the client left out and releases what the new object no longer holds.
   * Rejects with ApiError 422 (upstream's messages) when a requested value is taken, out of
   * range or of a family this cluster lacks, 500 when a range is full, or the store's error;
   * nothing stays allocated when it rejects. Then write the object and call commit() on the
   * result, or undo() if the write failed.
   */
  async allocate(svc: AllocService, old?: AllocService): Promise<Allocation> {
    svc.spec ??= {};
    if (old) patchAllocatedValues(svc, old);
    const taken: Step[] = [];
    try {
      await this.allocateClusterIP(svc, old, taken);
      await this.allocateNodePorts(svc, old, taken);
      await this.allocateHealthCheckNodePort(svc, old, taken);
    } catch (e) {
      await undoAll(taken);
      throw e;
    }
    const droppedIPs = old ? heldIPs(old).filter((ip) => !heldIPs(svc).includes(ip)) : [];
    const droppedPorts = old ? heldNodePorts(old).filter((p) => !heldNodePorts(svc).includes(p)) : [];
    return {
      commit: () => this.releaseValues(droppedIPs, droppedPorts),
      undo: () => undoAll(taken),
    };
  }

  /** Frees the service's cluster IPs and node ports; values not held (or out of range) are ignored. Rejects only when the store does. */
  async release(svc: AllocService): Promise<void> {
    await this.releaseValues(heldIPs(svc), heldNodePorts(svc));
  }

  /**
   * Rebuilds both bitmaps from the services that exist (upstream's repair at start): leaked
   * values become free, values in use are marked. Run it before serving requests: an
   * allocation racing with it could be forgotten. Rejects only when the store does.
   */
  async repair(services: AllocService[]): Promise<RepairReport> {
    const problems: string[] = [];
    const ips = new Bitmap(this.serviceRange.size);
    const ports = new Bitmap(this.nodePortRange[1] - this.nodePortRange[0] + 1);
    const owner = new Map<string, string>();
    for (const svc of services) {
      const who = `${svc?.metadata?.namespace ?? ''}/${svc?.metadata?.name ?? ''}`;
      for (const ip of heldIPs(svc)) {
        const offset = this.serviceRange.offsetOf(ip);
        if (offset === undefined) problems.push(`Cluster IP ${ip} of service ${who} is not within the service CIDR ${this.serviceRange.cidr}; please recreate service`);
        else if (ips.has(offset)) problems.push(`Cluster IP ${ip} of service ${who} was assigned to multiple services (also ${owner.get(`ip/${ip}`)}); please recreate service`);
        else { ips.set(offset); owner.set(`ip/${ip}`, who); }
      }
      for (const port of heldNodePorts(svc)) {
        const offset = port - this.nodePortRange[0];
        if (offset < 0 || offset >= ports.size) problems.push(`Port ${port} of service ${who} is not within the port range ${this.portRangeText}; please recreate service`);
        else if (ports.has(offset)) problems.push(`Port ${port} of service ${who} was assigned to multiple services (also ${owner.get(`port/${port}`)}); please recreate service`);
        else { ports.set(offset); owner.set(`port/${port}`, who); }
      }
    }
    await this.ips.run((bm) => bm.bytes.set(ips.bytes));
    await this.ports.run((bm) => bm.bytes.set(ports.bytes));
    return { problems };
  }

  /** How many cluster IPs and node ports are taken (for tests and metrics). Rejects when the store does. */
  async usage(): Promise<{ clusterIPs: number; nodePorts: number }> {
    const [ips, ports] = await Promise.all([this.ips.snapshot(), this.ports.snapshot()]);
    return { clusterIPs: ips.count(), nodePorts: ports.count() };
  }

  private checkFamilies(svc: AllocService): void {
    const spec = svc.spec ??= {};
    const family = this.serviceRange.family;
    if (spec.ipFamilyPolicy === 'RequireDualStack') throw familyError(svc, 'spec.ipFamilyPolicy', 'RequireDualStack', 'this cluster is not configured for dual-stack services');
    const families: string[] = spec.ipFamilies ?? [];
    if (families[0] && families[0] !== family) throw familyError(svc, 'spec.ipFamilies[0]', families[0], 'not configured on this cluster');
    // PreferDualStack on a single-stack cluster settles for the one family, as upstream.
    if (families.length > 1 && spec.ipFamilyPolicy !== 'PreferDualStack') throw familyError(svc, 'spec.ipFamilies[1]', families[1]!, 'not configured on this cluster');
    if ((spec.clusterIPs?.length ?? 0) > 1 && spec.ipFamilyPolicy !== 'PreferDualStack') throw familyError(svc, 'spec.clusterIPs[1]', spec.clusterIPs?.[1] ?? '', 'this cluster is not configured for dual-stack services');
    spec.ipFamilies = [family];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }

  private async allocateClusterIP(svc: AllocService, old: AllocService | undefined, taken: Step[]): Promise<void> {
    const spec = svc.spec ??= {};
    if (serviceType(svc) === 'ExternalName') return;
    if (!spec.clusterIPs?.length && spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
    this.checkFamilies(svc);
    if (spec.clusterIPs?.[0] === 'None' || spec.clusterIP === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    let ip: string | undefined = spec.clusterIPs?.[0] || undefined;
    if (ip && !(old && heldIPs(old).includes(ip))) {
      const requested = ip;
      const offset = this.serviceRange.offsetOf(requested);
      if (offset === undefined) throw clusterIPError(svc, requested, this.serviceRange.cidr, parseIP(requested) ? new AllocError('notInRange') : undefined);
      await this.ips.run((bm) => bm.take(offset)).catch((e) => {
        throw clusterIPError(svc, requested, this.serviceRange.cidr, asAllocError(e));
      });
      taken.push(() => this.releaseValues([requested], []));
    } else if (!ip) {
      const band = staticBandSize(this.serviceRange.size);
      // Offset 0 (the first address) is never handed out: it is the `kubernetes` service's.
      const offset = await this.ips.run((bm) => bm.takeAny(this.random, band, 1)).catch((e) => {
        throw asAllocError(e).kind === 'full' ? rangeFull('serviceIP') : internalError(String(e));
      });
      ip = this.serviceRange.ipAt(offset);
      const got = ip;
      taken.push(() => this.releaseValues([got], []));
    }
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }

  private async allocateNodePorts(svc: AllocService, old: AllocService | undefined, taken: Step[]): Promise<void> {
    if (!mayHaveNodePorts(svc)) return;
    const ports: AllocPort[] = svc.spec?.ports ?? [];
    const held = new Set(old ? heldNodePorts(old) : []);
    const take = async (port: number, index: number) => {
      if (held.has(port)) return;
      await this.ports.run((bm) => bm.take(port - this.nodePortRange[0])).catch((e) => {
        throw nodePortError(svc, index, port, this.portRangeText, asAllocError(e));
      });
      held.add(port);
      taken.push(() => this.releaseValues([], [port]));
    };
    // Ports with the same number (TCP and UDP twins) share one node port, as upstream.
    const byServicePort = new Map<number | undefined, number>();
    for (const [i, p] of ports.entries()) {
      if (!p.nodePort && !allocatesNodePorts(svc)) continue;
      const shared = byServicePort.get(p.port);
      if (shared !== undefined) {
        if (!p.nodePort) p.nodePort = shared;
        else if (p.nodePort !== shared) await take(p.nodePort, i);
        continue;
      }
      const requestedBy = p.nodePort ? i : ports.findIndex((q, j) => j > i && q.port === p.port && q.nodePort);
      if (requestedBy >= 0) {
        const requested = ports[requestedBy]?.nodePort ?? 0;
        await take(requested, requestedBy);
        p.nodePort = requested;
      } else {
        p.nodePort = await this.nextPort('nodePort', taken);
        held.add(p.nodePort);
      }
      byServicePort.set(p.port, p.nodePort);
    }
  }

  private async allocateHealthCheckNodePort(svc: AllocService, old: AllocService | undefined, taken: Step[]): Promise<void> {
    if (!needsHealthCheckNodePort(svc)) return;
    const spec = svc.spec ??= {};
    const requested: number | undefined = spec.healthCheckNodePort || undefined;
    if (requested && old && heldNodePorts(old).includes(requested)) return;
    if (requested) {
      await this.ports.run((bm) => bm.take(requested - this.nodePortRange[0])).catch((e) => {
        throw healthCheckNodePortError(svc, requested, this.portRangeText, asAllocError(e));
      });
      taken.push(() => this.releaseValues([], [requested]));
      return;
    }
    spec.healthCheckNodePort = await this.nextPort('HealthCheck NodePort', taken);
  }

  private async nextPort(what: string, taken: Step[]): Promise<number> {
    const size = this.nodePortRange[1] - this.nodePortRange[0] + 1;
    const offset = await this.ports.run((bm) => bm.takeAny(this.random, staticBandSize(size))).catch((e) => {
      throw asAllocError(e).kind === 'full' ? rangeFull(what) : internalError(String(e));
    });
    const port = this.nodePortRange[0] + offset;
    taken.push(() => this.releaseValues([], [port]));
    return port;
  }

  private async releaseValues(ips: string[], ports: number[]): Promise<void> {
    const ipOffsets = ips.map((ip) => this.serviceRange.offsetOf(ip)).filter((o): o is number => o !== undefined);
    const portOffsets = ports.map((p) => p - this.nodePortRange[0]).filter((o) => o >= 0 && o <= this.nodePortRange[1] - this.nodePortRange[0]);
    if (ipOffsets.length) await this.ips.run((bm) => ipOffsets.forEach((o) => bm.clear(o)));
    if (portOffsets.length) await this.ports.run((bm) => portOffsets.forEach((o) => bm.clear(o)));
  }
}

/** Runs every step even when one fails, then rejects with the first failure. */
async function undoAll(steps: Step[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps.splice(0).reverse()) await step().catch((e) => failures.push(e));
  if (failures.length) throw failures[0];
}
