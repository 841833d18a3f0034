// The entry point: one RestClient per cluster (one keep-alive Agent) handing out typed
// resource clients. `await Client.fromKubeconfig(...)` or `new Client({config, clock, files})`.
import type { KubeObject } from '../api/types.js';
import type { Clock } from '../host/clock.js';
import type { Files } from '../host/files/types.js';
import { loadKubeconfig } from './kubeconfig.js';
import { ResourceClient, type ResourceRef } from './resource.js';
import { RestClient, type RestDeps } from './rest.js';

export class Client {
  readonly rest: RestClient;

  constructor(deps: RestDeps) {
    this.rest = new RestClient(deps);
  }

  /** A client for the kubeconfig at path (current-context unless context). Rejects with KubeconfigError or HostError. */
  static async fromKubeconfig(deps: { files: Files; clock: Clock }, path: string, context?: string): Promise<Client> {
    return new Client({ ...deps, config: await loadKubeconfig(deps.files, path, context) });
  }

  /** A typed client for ref, bound to namespace when given. */
  resource<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace?: string): ResourceClient<T> {
    return new ResourceClient<T>(this.rest, ref, namespace);
  }

  /** Closes the kept-alive connections; open watches reject with the socket's error. */
  close(): void {
    this.rest.close();
  }
}
