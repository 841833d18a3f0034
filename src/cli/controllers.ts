// The controllers the control plane runs beside the apiserver, as kube-controller-manager would:
// today the node IPAM. They reach the apiserver as any client does, over HTTPS with the admin
// credentials (upstream's controller manager has its own identity, system:kube-controller-manager;
// skiff has no separate process for it yet), sharing one Client and one InformerFactory.
import type { Node } from '../api/types.js';
import type { CertPair } from '../apiserver/pki.js';
import { Client } from '../client/client.js';
import { InformerFactory } from '../client/informer-factory.js';
import { realTimers } from '../client/timers.js';
import { startNodeIpam } from '../controllers/node-ipam/controller.js';
import type { Clock } from '../host/clock.js';
import type { Files } from '../host/files/types.js';
import type { Closer } from './serve.js';

const NODES = { group: '', version: 'v1', plural: 'nodes' } as const;

export interface ControllersOptions {
  /** https://host:port of the apiserver; a wildcard host is reached on loopback. */
  readonly url: string;
  readonly ca: string;
  readonly admin: CertPair;
  readonly clusterCidr: string;
  readonly nodeCidrMaskSize: number;
  readonly clock: Clock;
  readonly files: Files;
  readonly log: (line: string) => void;
}

/**
 * Starts the controllers and resolves once each has read the state it starts from. Rejects
 * (after stopping what it started) when the node IPAM's range is invalid.
 */
export async function startControllers(opts: ControllersOptions): Promise<Closer[]> {
  const client = new Client({ config: { server: loopbackFor(opts.url), ca: opts.ca, cert: opts.admin.cert, key: opts.admin.key }, clock: opts.clock, files: opts.files });
  const informers = new InformerFactory({ client, clock: opts.clock, timers: realTimers, onError: (err) => opts.log(`controllers: ${err instanceof Error ? err.message : String(err)}`) });
  const closeClient: Closer[] = [{ name: 'the controllers\' informers', close: () => informers.stop() }, { name: 'the controllers\' client', close: async () => client.close() }];
  try {
    const ipam = startNodeIpam({
      nodes: informers.informer<Node>(NODES), client: client.resource<Node>(NODES), clock: opts.clock, timers: realTimers,
      log: (line) => opts.log(`node-ipam: ${line}`), clusterCidr: opts.clusterCidr, nodeCidrMaskSize: opts.nodeCidrMaskSize,
    });
    informers.start();
    await ipam.ready;
    return [{ name: 'the node IPAM controller', close: () => ipam.stop() }, ...closeClient];
  } catch (err) {
    for (const c of closeClient) await c.close();
    throw err;
  }
}

/** The URL with a wildcard listen address (0.0.0.0, ::) replaced by loopback, which the serving certificate always names. */
export function loopbackFor(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
  else if (u.hostname === '[::]') u.hostname = '[::1]';
  return u.origin;
}
