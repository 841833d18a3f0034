// RuntimeConfig: tells the kubelet which cgroup driver to build its hierarchy with, so the
// two cannot disagree (kubelet asks once at start-up).
import type { RuntimeRpcs } from '../api.js';
import type { Handler } from './types.js';

export const runtimeConfig: Handler<RuntimeRpcs['RuntimeConfig']> = async (_req, { deps }) => ({
  linux: { cgroupDriver: deps.cgroupDriver === 'systemd' ? 'SYSTEMD' : 'CGROUPFS' },
});
