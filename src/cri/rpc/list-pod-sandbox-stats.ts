import type { RuntimeRpcs } from '../api.js';
import { sandboxStats } from '../lifecycle/stats.js';
import type { Handler } from './types.js';
import { ownValue } from '../../own-keys.js';

export const listPodSandboxStats: Handler<RuntimeRpcs['ListPodSandboxStats']> = async (req, { deps }) => {
  const f = req.filter;
  const picked = deps.state.sandboxes.list().filter((s) =>
    s.phase === 'created' && s.state === 'SANDBOX_READY' && (!f?.id || s.id.startsWith(f.id))
    && Object.entries(f?.labelSelector ?? {}).every(([k, v]) => ownValue(s.config.labels, k) === v));
  return { stats: await Promise.all(picked.map((s) => sandboxStats(deps, s))) };
};
