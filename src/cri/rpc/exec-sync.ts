// ExecSync: runs a command in a running container and returns its output (probes use it).
import type { RuntimeRpcs } from '../api.js';
import { CriError, failedPrecondition, invalidArgument } from '../errors.js';
import type { Handler } from './types.js';

export const execSync: Handler<RuntimeRpcs['ExecSync']> = async (req, { deps }) => {
  if (!req.cmd.length) throw invalidArgument('cmd is required');
  const c = deps.state.containers.mustGet(req.containerId);
  if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running`);
  const timeout = Number(req.timeout);
  const out = await deps.oci.execSync(c.id, req.cmd, { timeoutMs: timeout > 0 ? timeout * 1000 : undefined });
  // As containerd: a timeout is an error the kubelet turns into a failed probe.
  if (out.timedOut) throw new CriError('deadlineExceeded', `command ${JSON.stringify(req.cmd)} timed out after ${timeout}s`);
  return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode };
};
