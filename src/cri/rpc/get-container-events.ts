// GetContainerEvents: a stream of lifecycle events while the caller listens.
import type { RuntimeRpcs } from '../api.js';
import type { Handler } from './types.js';

export const getContainerEvents: Handler<RuntimeRpcs['GetContainerEvents']> = (_req, { deps, signal }) => deps.state.events.subscribe(signal);
