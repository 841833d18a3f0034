// What a Service holds or needs from the allocators, read off its spec (pure).

/** The part of a Service port the allocators read and fill. */
export interface AllocPort {
  port?: number;
  protocol?: string;
  nodePort?: number;
}

/** The part of a Service the allocators read and fill (the object has passed validation). */
export interface AllocService {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    ports?: AllocPort[];
    allocateLoadBalancerNodePorts?: boolean;
    externalTrafficPolicy?: string;
    healthCheckNodePort?: number;
  };
}

const nodePortTypes = new Set(['NodePort', 'LoadBalancer']);

export const serviceType = (svc: AllocService): string => svc?.spec?.type ?? 'ClusterIP';

const needsClusterIP = (svc: AllocService) => serviceType(svc) !== 'ExternalName' && svc?.spec?.clusterIP !== 'None';

/** Whether the type may carry node ports at all. */
export const mayHaveNodePorts = (svc: AllocService) => nodePortTypes.has(serviceType(svc));

/** Whether ports without a nodePort get one (LoadBalancer may opt out with allocateLoadBalancerNodePorts: false). */
export const allocatesNodePorts = (svc: AllocService) =>
  serviceType(svc) === 'NodePort' || (serviceType(svc) === 'LoadBalancer' && svc?.spec?.allocateLoadBalancerNodePorts !== false);

/** LoadBalancer services with externalTrafficPolicy Local get a health-check node port (upstream NeedsHealthCheck). */
export const needsHealthCheckNodePort = (svc: AllocService) => serviceType(svc) === 'LoadBalancer' && svc?.spec?.externalTrafficPolicy === 'Local';

/** The cluster IPs the service holds (none for ExternalName and headless). */
export function heldIPs(svc: AllocService): string[] {
  if (serviceType(svc) === 'ExternalName') return [];
  const spec = svc?.spec ?? {};
  const ips: unknown[] = spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP];
  return ips.filter((ip): ip is string => typeof ip === 'string' && ip !== '' && ip !== 'None');
}

/** The node ports the service holds, health-check node port included, without duplicates. */
export function heldNodePorts(svc: AllocService): number[] {
  const held = new Set<number>();
  if (mayHaveNodePorts(svc)) for (const p of svc.spec?.ports ?? []) if (p?.nodePort) held.add(p.nodePort);
  const hc = svc.spec?.healthCheckNodePort;
  if (needsHealthCheckNodePort(svc) && hc) held.add(hc);
  return [...held];
}

/**
 * On update, values the client left out are kept from the old object (upstream
 * patchAllocatedValues), so `kubectl replace` of a manifest without clusterIP or nodePort
 * does not move the service.
 */
export function patchAllocatedValues(svc: AllocService, old: AllocService): void {
  const spec = svc.spec ??= {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP && old.spec?.clusterIP) spec.clusterIP = old.spec.clusterIP;
    if (!spec.clusterIPs?.length && old.spec?.clusterIPs?.length) spec.clusterIPs = [...old.spec.clusterIPs];
  }
  if (mayHaveNodePorts(old) && mayHaveNodePorts(svc)) {
    const key = (p: AllocPort) => `${p.protocol ?? 'TCP'}/${p.port}`;
    const oldPorts = new Map<string, number>((old.spec?.ports ?? []).flatMap((p): [string, number][] => (p?.nodePort ? [[key(p), p.nodePort]] : [])));
    for (const p of spec.ports ?? []) if (!p.nodePort && oldPorts.has(key(p))) p.nodePort = oldPorts.get(key(p));
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(svc) && !spec.healthCheckNodePort && old.spec?.healthCheckNodePort) {
    spec.healthCheckNodePort = old.spec.healthCheckNodePort;
  }
}
