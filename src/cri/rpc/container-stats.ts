import type { RuntimeRpcs } from '../api.js';
import { containerStats as stats } from '../lifecycle/stats.js';
import type { Handler } from './types.js';

export const containerStats: Handler<RuntimeRpcs['ContainerStats']> = async (req, { deps }) => ({
  stats: await stats(deps, deps.state.containers.mustGet(req.containerId)),
});
