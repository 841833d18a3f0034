// ReopenContainerLog: conmon reopens the log file after the kubelet rotated it.
import type { RuntimeRpcs } from '../api.js';
import { failedPrecondition } from '../errors.js';
import type { Handler } from './types.js';

export const reopenContainerLog: Handler<RuntimeRpcs['ReopenContainerLog']> = async (req, { deps }) => {
  const c = deps.state.containers.mustGet(req.containerId);
  if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running`);
  await deps.oci.reopenLog(c.dir);
  return {};
};
