import type { RuntimeRpcs } from '../api.js';
import { sandboxStats } from '../lifecycle/stats.js';
import type { Handler } from './types.js';

export const podSandboxStats: Handler<RuntimeRpcs['PodSandboxStats']> = async (req, { deps }) => ({
  stats: await sandboxStats(deps, deps.state.sandboxes.mustGet(req.podSandboxId)),
});
