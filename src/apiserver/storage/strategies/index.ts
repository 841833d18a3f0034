// The strategy table: one strategy per resource, the generic one unless the resource differs.
// Keyed by group and plural (one resource, served at one version).
import type { ResourceInfo } from '../../../api/resources.js';
import type { ServiceAllocator } from '../../alloc/index.js';
import { csrStrategy } from './csr.js';
import { deploymentStrategy } from './deployments.js';
import { genericStrategy } from './generic.js';
import { namespaceStrategy } from './namespaces.js';
import { podStrategy } from './pods.js';
import { priorityClassStrategy } from './priority-classes.js';
import { serviceStrategy } from './services.js';
import type { ResourceStrategy } from './types.js';

export type { CreateContext, DeletionContext, Finish, ResourceStrategy, WriteContext } from './types.js';

export interface StrategyDeps {
  /** Allocates Services' ClusterIPs and NodePorts. Required: a Service without them is not served. */
  serviceAllocator: ServiceAllocator;
  log?: (msg: string) => void;
  /** Seconds an Event lives after its last write (--event-ttl); 0 or none: Events stay. */
  eventTtlSeconds?: number;
}

type Build = (r: ResourceInfo, deps: StrategyDeps) => ResourceStrategy;

const generic: Build = (r) => genericStrategy(r);
const generationTracking: Build = (r) => genericStrategy(r, { tracksGeneration: true });
// Both Event APIs share core/v1 storage, so both expire (upstream's event REST storage TTLFunc).
const expiring: Build = (r, deps) => genericStrategy(r, { ttlSeconds: deps.eventTtlSeconds ?? 0 });

/** Resources whose strategy is not the generic one, by `<group>/<plural>` ('' for core). */
export const STRATEGIES: ReadonlyMap<string, Build> = new Map<string, Build>([
  ['/pods', podStrategy],
  ['/namespaces', namespaceStrategy],
  ['/services', (r, deps) => serviceStrategy(r, { allocator: deps.serviceAllocator, log: deps.log ?? (() => {}) })],
  ['certificates.k8s.io/certificatesigningrequests', csrStrategy],
  ['scheduling.k8s.io/priorityclasses', priorityClassStrategy],
  ['apps/deployments', deploymentStrategy],
  ['/events', expiring],
  ['events.k8s.io/events', expiring],
  // Upstream strategies that count spec changes in metadata.generation.
  ...['/replicationcontrollers', '/persistentvolumeclaims', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs',
    'networking.k8s.io/ingresses', 'networking.k8s.io/networkpolicies', 'networking.k8s.io/ingressclasses', 'policy/poddisruptionbudgets',
  ].map((key): [string, Build] => [key, generationTracking]),
]);

export const strategyKey = (r: Pick<ResourceInfo, 'group' | 'plural'>): string => `${r.group}/${r.plural}`;

/** Picks (and builds once) the strategy of each resource. */
export class Strategies {
  private readonly built = new Map<string, ResourceStrategy>();

  constructor(private readonly deps: StrategyDeps) {}

  /** The strategy of `r`. Never throws. */
  for(r: ResourceInfo): ResourceStrategy {
    const key = strategyKey(r);
    let s = this.built.get(key);
    if (!s) {
      s = (STRATEGIES.get(key) ?? generic)(r, this.deps);
      this.built.set(key, s);
    }
    return s;
  }
}
