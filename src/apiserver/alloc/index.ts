// Service ClusterIP and NodePort allocation, persisted through the store.
export { ServiceAllocator, SERVICE_IPS_KEY, NODE_PORTS_KEY, type Allocation, type RepairReport, type ServiceAllocatorOptions } from './service-allocator.js';
export type { AllocPort, AllocService } from './service-fields.js';
export { parseCidr, parseIP, type CidrRange, type IPFamily } from './cidr.js';
