// What the CRI server needs from the rest of skiff. Grows with each RPC implemented; the
// composition root (src/cli) builds it.
import type { ImageStore } from './images/store.js';

export interface NetworkStatus {
  ready: boolean;
  /** CamelCase reason, e.g. 'NetworkPluginNotReady', when not ready. */
  reason?: string;
  message?: string;
}

export interface CriDeps {
  /** Whether pod networking can be set up now (CNI config and plugins present). A
   *  rejection is reported to the caller as NetworkReady=false, not as an RPC error. */
  networkReady(): Promise<NetworkStatus>;
  /** How cgroups are named and placed: fixed for the process's life (the kubelet asks once). */
  cgroupDriver: 'cgroupfs' | 'systemd';
  /** Pulled images, their unpacked layers and the container root filesystems over them. */
  images: ImageStore;
}
