// Where a pod's volumes live on the node, named as upstream's kubelet names them, so its tools
// and habits (ls /var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~secret) carry over.
import { join } from 'node:path';

export type PluginKind = 'emptyDir' | 'configMap' | 'secret' | 'downwardAPI' | 'projected';

const PLUGIN_DIR: ReadonlyMap<PluginKind, string> = new Map<PluginKind, string>([
  ['emptyDir', 'kubernetes.io~empty-dir'],
  ['configMap', 'kubernetes.io~configmap'],
  ['secret', 'kubernetes.io~secret'],
  ['downwardAPI', 'kubernetes.io~downward-api'],
  ['projected', 'kubernetes.io~projected'],
]);

export const podsDir = (rootDir: string): string => join(rootDir, 'pods');
export const podDir = (rootDir: string, uid: string): string => join(podsDir(rootDir), uid);
export const podVolumesDir = (rootDir: string, uid: string): string => join(podDir(rootDir, uid), 'volumes');

/** <rootDir>/pods/<uid>/volumes/<plugin>/<name>. */
export function volumeDir(rootDir: string, uid: string, kind: PluginKind, name: string): string {
  return join(podVolumesDir(rootDir, uid), PLUGIN_DIR.get(kind) ?? kind, name);
}
