// PortForward: parks the request with the streaming server and returns the URL to connect
// to. Ports are checked here because the WebSocket transport forwards exactly these.
import type { RuntimeRpcs } from '../api.js';
import { invalidArgument } from '../errors.js';
import type { Handler } from './types.js';

export const portForward: Handler<RuntimeRpcs['PortForward']> = async (req, { deps }) => {
  const bad = req.port.find((p) => !Number.isInteger(p) || p < 1 || p > 65535);
  if (bad !== undefined) throw invalidArgument(`invalid port ${bad}`);
  return deps.streaming.getPortForward(req);
};
