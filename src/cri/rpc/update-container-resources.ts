// UpdateContainerResources: new limits for a created or running container, via `runc update`.
import type { RuntimeRpcs } from '../api.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { ociResources } from '../oci/resources.js';
import type { Handler } from './types.js';

export const updateContainerResources: Handler<RuntimeRpcs['UpdateContainerResources']> = async (req, { deps }) => {
  const c = deps.state.containers.mustGet(req.containerId);
  if (!req.linux) throw invalidArgument('linux resources are required');
  await deps.state.locks.run(c.id, async () => {
    const rec = deps.state.containers.mustGet(c.id);
    if (rec.state === 'CONTAINER_EXITED') throw failedPrecondition(`container ${rec.id} has exited`);
    await deps.oci.update(rec.id, ociResources(req.linux!, deps.hostLimits));
    await deps.state.containers.update(rec.id, (r) => {
      if (r.config.linux) r.config.linux.resources = req.linux;
    });
  });
  return {};
};
