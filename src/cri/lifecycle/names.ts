// Validation of the identifying parts of requests, and the names runtimes reserve for them
// (containerd's makeSandboxName/makeContainerName), so a duplicate create is AlreadyExists.
import { invalidArgument } from '../errors.js';
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import type { ContainerRecord, SandboxRecord } from '../state/records.js';

export function sandboxName(config: PodSandboxConfig__Output | null): string {
  const m = config?.metadata;
  if (!config) throw invalidArgument('config is required');
  if (!m) throw invalidArgument('config.metadata is required');
  for (const field of ['name', 'namespace', 'uid'] as const) {
    if (!m[field]) throw invalidArgument(`config.metadata.${field} is required`);
  }
  return [m.name, m.namespace, m.uid, m.attempt].join('_');
}

/** The name a sandbox record reserves in its store. */
export const sandboxKey = (r: SandboxRecord): string => sandboxName(r.config);

/** The name a container record reserves: its metadata within its sandbox. */
export const containerKey = (r: ContainerRecord): string => `${r.config.metadata?.name}_${r.config.metadata?.attempt}@${r.sandboxId}`;

export function containerName(config: ContainerConfig__Output | null, sandbox: PodSandboxConfig__Output): string {
  if (!config) throw invalidArgument('config is required');
  if (!config.metadata?.name) throw invalidArgument('config.metadata.name is required');
  if (!config.image?.image) throw invalidArgument('config.image.image is required');
  const s = sandbox.metadata!;
  return [config.metadata.name, s.name, s.namespace, s.uid, config.metadata.attempt].join('_');
}
