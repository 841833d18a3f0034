// Version: who we are. `version` is the kubelet runtime API version that every CRI runtime
// reports as 0.1.0; runtime_api_version names the CRI API we serve.
import pkg from '../../../package.json' with { type: 'json' };
import type { RuntimeRpcs } from '../api.js';
import type { Handler } from './types.js';

export const version: Handler<RuntimeRpcs['Version']> = async () => ({
  version: '0.1.0',
  runtimeName: 'skiff',
  runtimeVersion: pkg.version,
  runtimeApiVersion: 'v1',
});
