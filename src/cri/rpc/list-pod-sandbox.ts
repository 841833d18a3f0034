import type { RuntimeRpcs } from '../api.js';
import { sandboxEntry, sandboxMatches } from '../lifecycle/views.js';
import type { Handler } from './types.js';

export const listPodSandbox: Handler<RuntimeRpcs['ListPodSandbox']> = async (req, { deps }) => ({
  // Sandboxes still being created are not listed: the kubelet must not see half a pod.
  items: deps.state.sandboxes.list().filter((s) => s.phase === 'created' && sandboxMatches(s, req.filter)).map(sandboxEntry),
});
