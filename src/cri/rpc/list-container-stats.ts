import type { RuntimeRpcs } from '../api.js';
import { containerStats } from '../lifecycle/stats.js';
import type { Handler } from './types.js';
import { ownValue } from '../../own-keys.js';

export const listContainerStats: Handler<RuntimeRpcs['ListContainerStats']> = async (req, { deps }) => {
  const f = req.filter;
  const picked = deps.state.containers.list().filter((c) =>
    c.phase === 'created' && c.state === 'CONTAINER_RUNNING'
    && (!f?.id || c.id.startsWith(f.id)) && (!f?.podSandboxId || c.sandboxId.startsWith(f.podSandboxId))
    && Object.entries(f?.labelSelector ?? {}).every(([k, v]) => ownValue(c.config.labels, k) === v));
  return { stats: await Promise.all(picked.map((c) => containerStats(deps, c))) };
};
