// Status: the two conditions the kubelet requires. The runtime itself is ready whenever it
// answers; network readiness comes from deps (CNI config and plugins present).
import { NETWORK_READY, RUNTIME_READY, type RuntimeRpcs } from '../api.js';
import type { NetworkStatus } from '../deps.js';
import type { Handler } from './types.js';

export const status: Handler<RuntimeRpcs['Status']> = async (_req, { deps }) => {
  const net = await deps.networkReady().catch((err: unknown): NetworkStatus => ({
    ready: false,
    reason: 'NetworkPluginNotReady',
    message: `network status: ${err instanceof Error ? err.message : String(err)}`,
  }));
  return {
    status: {
      conditions: [
        { type: RUNTIME_READY, status: true },
        { type: NETWORK_READY, status: net.ready, reason: net.reason ?? '', message: net.message ?? '' },
      ],
    },
    // The default handler (''), with no optional features claimed until they are implemented.
    runtimeHandlers: [{ name: '', features: { recursiveReadOnlyMounts: false, userNamespaces: false } }],
    features: { supplementalGroupsPolicy: false, userNamespacesHostNetwork: false },
  };
};
