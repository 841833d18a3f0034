// The implemented RPCs, one module each, grouped by area. Any RPC missing here answers
// UNIMPLEMENTED.
import { imageRpcs } from './images.js';
import { runtimeConfig } from './runtime-config.js';
import { containerRpcs, sandboxRpcs } from './runtime-rpcs.js';
import { status } from './status.js';
import type { ImageHandlers, RuntimeHandlers } from './types.js';
import { version } from './version.js';

export const runtimeHandlers: RuntimeHandlers = {
  Version: version,
  Status: status,
  RuntimeConfig: runtimeConfig,
  ...sandboxRpcs,
  ...containerRpcs,
};

export const imageHandlers: ImageHandlers = { ...imageRpcs };
