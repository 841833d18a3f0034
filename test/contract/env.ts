import type { ExecutionContext } from 'ava';
import type { Host } from '../../src/host/index.js';
import { uniq } from '../helpers/names.js';

/** What a contract suite runs against: a host, and where to pin throwaway namespaces. */
export interface ContractEnv {
  name: string;
  host: Host;
  pinDir: string;
  /** Real kernel: some effects (namespace teardown) are asynchronous. */
  real: boolean;
  /** Whether the kernel has bridge VLAN filtering; undefined: probe it (the real kernel). */
  bridgeVlans?: boolean;
}

/** A fresh network namespace for one test, removed when the test ends however it ends. */
export async function freshNetns(t: ExecutionContext, env: ContractEnv): Promise<string> {
  const path = `${env.pinDir}/${uniq()}`;
  await env.host.netns.create({ net: path });
  t.teardown(() => env.host.netns.remove(path));
  return path;
}
