// The four CRI calls of the node agent, answered from fields a test sets.
import type { NodeCri } from '../../../../src/kubelet/node/observe.js';
import { CriError } from '../../../../src/cri/errors.js';

export class FakeNodeCri implements NodeCri {
  runtimeReady = true;
  networkReady = true;
  /** When set, Status fails with it (a runtime that does not answer). */
  statusError: CriError | undefined;
  images: { repoTags: string[]; repoDigests: string[]; size: string }[] = [];
  /** podCidr of every UpdateRuntimeConfig received. */
  readonly podCidrs: string[] = [];
  updateRuntimeConfigError: CriError | undefined;

  readonly runtime: NodeCri['runtime'] = {
    version: async () => ({ version: '0.1.0', runtimeName: 'fakeruntime', runtimeVersion: '1.2.3', runtimeApiVersion: 'v1' }),
    status: async () => {
      if (this.statusError) throw this.statusError;
      return {
        status: {
          conditions: [
            { type: 'RuntimeReady', status: this.runtimeReady, reason: this.runtimeReady ? '' : 'RuntimeBroken', message: this.runtimeReady ? '' : 'runc is missing' },
            { type: 'NetworkReady', status: this.networkReady, reason: this.networkReady ? '' : 'NetworkPluginNotReady', message: this.networkReady ? '' : 'Network plugin returns error: cni plugin not initialized' },
          ],
        },
        info: {}, runtimeHandlers: [{ name: '', features: { recursiveReadOnlyMounts: false, userNamespaces: false } }], features: null,
      };
    },
    updateRuntimeConfig: async (req) => {
      if (this.updateRuntimeConfigError) throw this.updateRuntimeConfigError;
      this.podCidrs.push(req?.runtimeConfig?.networkConfig?.podCidr ?? '');
      return {};
    },
  };

  readonly image: NodeCri['image'] = {
    listImages: async () => ({
      images: this.images.map((i, n) => ({ id: `sha256:${n}`, ...i, uid: null, username: '', spec: null, pinned: false })),
    }),
  };
}
