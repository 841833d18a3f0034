import type { RuntimeRpcs } from '../api.js';
import { containerEntry, containerMatches } from '../lifecycle/views.js';
import type { Handler } from './types.js';

export const listContainers: Handler<RuntimeRpcs['ListContainers']> = async (req, { deps }) => ({
  containers: deps.state.containers.list().filter((c) => c.phase === 'created' && containerMatches(c, req.filter)).map(containerEntry),
});
