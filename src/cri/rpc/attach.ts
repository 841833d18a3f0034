// Attach: parks the request with the streaming server and returns the URL to connect to.
import type { RuntimeRpcs } from '../api.js';
import type { Handler } from './types.js';

export const attach: Handler<RuntimeRpcs['Attach']> = async (req, { deps }) => deps.streaming.getAttach(req);
