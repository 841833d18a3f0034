// Reads of the objects a pod's volumes reference, as the node (the Node authorizer lets it get
// only what its pods reference). A missing object reads as upstream's kubelet words it: its
// configMap/secret managers name the resource in the singular (`configmap "x" not found`).
import type { ConfigMap, Node, Secret } from '../../api/types.js';
import type { Client } from '../../client/client.js';
import { isNotFound } from '../../client/errors.js';
import { VolumeError } from './errors.js';

const CONFIGMAPS = { group: '', version: 'v1', plural: 'configmaps' };
const SECRETS = { group: '', version: 'v1', plural: 'secrets' };
const NODES = { group: '', version: 'v1', plural: 'nodes' };

/** The object, or undefined when it is missing and optional. Rejects with VolumeError. */
export async function readConfigMap(client: Client, namespace: string, name: string, optional: boolean): Promise<ConfigMap | undefined> {
  return read(() => client.resource<ConfigMap>(CONFIGMAPS, namespace).get(name), `configmap "${name}" not found`, optional);
}

export async function readSecret(client: Client, namespace: string, name: string, optional: boolean): Promise<Secret | undefined> {
  return read(() => client.resource<Secret>(SECRETS, namespace).get(name), `secret "${name}" not found`, optional);
}

/** The node's allocatable resources (cpu, memory...), for downward API limits a container leaves unset. */
export async function readAllocatable(client: Client, nodeName: string): Promise<Map<string, string>> {
  const node = await read(() => client.resource<Node>(NODES).get(nodeName), `node "${nodeName}" not found`, false);
  return new Map(Object.entries(node?.status?.allocatable ?? {}));
}

async function read<T>(get: () => Promise<T>, notFound: string, optional: boolean): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (isNotFound(err)) {
      if (optional) return undefined;
      throw new VolumeError(notFound);
    }
    throw new VolumeError(err instanceof Error ? err.message : String(err));
  }
}
