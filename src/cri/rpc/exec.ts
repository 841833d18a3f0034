// Exec: parks the request with the streaming server and returns the URL the client connects
// to; the command runs only when it does. Whether the container runs is the backend's
// question at that time, as in the kubelet's streaming server.
import type { RuntimeRpcs } from '../api.js';
import { invalidArgument } from '../errors.js';
import type { Handler } from './types.js';

export const exec: Handler<RuntimeRpcs['Exec']> = async (req, { deps }) => {
  if (!req.cmd.length) throw invalidArgument('missing required cmd');
  return deps.streaming.getExec(req);
};
