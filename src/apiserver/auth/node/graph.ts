// The Node authorizer's graph (upstream plugin/pkg/auth/authorizer/node/graph.go), kept as an
// index rather than a general graph: pods by node, and what each pod refers to; claims to the
// volumes they are bound to; volumes to the secrets they name. A node reaches
//   its pods ─▶ their secrets, configmaps, claims, service account ─▶ the claims' volumes ─▶ their secrets.
// Fed by store mirrors (wiring/node-graph.ts); every query is answered from memory.
import { isObject } from '../../../api/types.js';
import { ownValue } from '../../../own-keys.js';
import { persistentVolumeSecrets, podClaimNames, podConfigMapNames, podSecretNames, podServiceAccount } from './pod-references.js';

/** A string field of the object's spec, or undefined. */
const specString = (o: unknown, field: string): string | undefined => {
  const spec = isObject(o) ? o.spec : undefined;
  const v = isObject(spec) ? ownValue(spec, field) : undefined;
  return typeof v === 'string' ? v : undefined;
};

export type VertexType = 'pod' | 'secret' | 'configmap' | 'pvc' | 'pv' | 'serviceaccount';

interface PodEdges {
  namespace: string;
  nodeName: string;
  serviceAccount: string;
  secrets: Set<string>;
  configMaps: Set<string>;
  claims: Set<string>;
}

export class NodeGraph {
  private readonly pods = new Map<string, PodEdges>();
  private readonly podsByNode = new Map<string, Set<string>>();
  private readonly claimVolume = new Map<string, string>();
  private readonly volumeSecrets = new Map<string, string[]>();

  /** A pod added, changed (undefined: deleted). Pods not bound to a node are not in the graph. */
  setPod(namespace: string, name: string, pod: object | undefined): void {
    const key = `${namespace}/${name}`;
    const old = this.pods.get(key);
    if (old) {
      this.podsByNode.get(old.nodeName)?.delete(key);
      if (this.podsByNode.get(old.nodeName)?.size === 0) this.podsByNode.delete(old.nodeName);
      this.pods.delete(key);
    }
    const nodeName = specString(pod, 'nodeName');
    if (!pod || !nodeName) return;
    this.pods.set(key, {
      namespace, nodeName, serviceAccount: podServiceAccount(pod),
      secrets: podSecretNames(pod), configMaps: podConfigMapNames(pod), claims: podClaimNames(pod),
    });
    let set = this.podsByNode.get(nodeName);
    if (!set) this.podsByNode.set(nodeName, (set = new Set()));
    set.add(key);
  }

  /** A PersistentVolumeClaim: bound to spec.volumeName (undefined: deleted or unbound). */
  setClaim(namespace: string, name: string, pvc: object | undefined): void {
    const volume = specString(pvc, 'volumeName');
    if (volume) this.claimVolume.set(`${namespace}/${name}`, volume);
    else this.claimVolume.delete(`${namespace}/${name}`);
  }

  /** A PersistentVolume and the secrets it names (undefined: deleted). */
  setVolume(name: string, pv: object | undefined): void {
    if (pv) this.volumeSecrets.set(name, persistentVolumeSecrets(pv));
    else this.volumeSecrets.delete(name);
  }

  /** Whether node `nodeName` reaches the object (upstream hasPathFrom). */
  hasPath(nodeName: string, type: VertexType, namespace: string, name: string): boolean {
    const pods = [...(this.podsByNode.get(nodeName) ?? [])].map((k) => this.pods.get(k)!);
    const inNs = pods.filter((p) => p.namespace === namespace);
    const volumes = () => pods.flatMap((p) => [...p.claims].map((c) => this.claimVolume.get(`${p.namespace}/${c}`)).filter((v): v is string => !!v));
    switch (type) {
      case 'pod': return this.pods.get(`${namespace}/${name}`)?.nodeName === nodeName;
      case 'configmap': return inNs.some((p) => p.configMaps.has(name));
      case 'pvc': return inNs.some((p) => p.claims.has(name));
      case 'serviceaccount': return inNs.some((p) => p.serviceAccount === name);
      case 'pv': return volumes().includes(name);
      case 'secret':
        return inNs.some((p) => p.secrets.has(name)) || volumes().some((v) => (this.volumeSecrets.get(v) ?? []).includes(`${namespace}/${name}`));
    }
  }
}
