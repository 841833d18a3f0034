// The cgroups seam: one interface, a v1 and a v2 driver picked by what the host mounts, and
// a kernel-model fake.
export { detectCgroups, type DetectOptions } from './detect.js';
export { FakeCgroups } from './fake.js';
export type { CgroupResources, Cgroups, CgroupStats } from './types.js';
export { CgroupsV1, type V1Hierarchy } from './v1.js';
export { CgroupsV2 } from './v2.js';
