// Pod spec defaults, as upstream's core/v1 defaulters (SetDefaults_PodSpec, _Container,
// _Probe, _Volume ...) and the admission plugins every cluster runs (Priority) leave them.
// Defaulting runs before validation, on the request body as sent: every field is JSON of
// any shape until checked, and its keys are the client's.
import { ownValue, setOwn } from '../../own-keys.js';
import { isObject as obj, type Json, type JsonObject } from '../types.js';

/** Sets obj[key] when it is absent (undefined or null), like a Go defaulter on a nil field. */
export function dflt(o: JsonObject, key: string, value: Json): void {
  const v = ownValue(o, key);
  if (v === undefined || v === null) setOwn(o, key, value);
}

/** o[key], defaulted to {} when absent; undefined when it holds something other than an object (validation's to report). */
export function dfltObject(o: JsonObject, key: string): JsonObject | undefined {
  dflt(o, key, {});
  return objectAt(o, key);
}

/** o[key] when it is an object. */
export function objectAt(o: JsonObject, key: string): JsonObject | undefined {
  const v = ownValue(o, key);
  return obj(v) ? v : undefined;
}

/** Calls f on each object in list, when list is an array. */
export function eachObject(list: Json | undefined, f: (x: JsonObject) => void): void {
  if (Array.isArray(list)) for (const x of list) if (obj(x)) f(x);
}

/** `nginx`, `nginx:latest` and `nginx@sha256:...` without a tag: Always when the tag is latest or absent. */
export function pullPolicyFor(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'IfNotPresent';
  const noDigest = image.split('@')[0]!;
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  const tag = colon < 0 ? '' : noDigest.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: unknown): void {
  if (!obj(probe)) return;
  dflt(probe, 'timeoutSeconds', 1);
  dflt(probe, 'periodSeconds', 10);
  dflt(probe, 'successThreshold', 1);
  dflt(probe, 'failureThreshold', 3);
  if (obj(probe.httpGet)) {
    dflt(probe.httpGet, 'path', '/');
    dflt(probe.httpGet, 'scheme', 'HTTP');
  }
  if (obj(probe.grpc)) dflt(probe.grpc, 'service', '');
}

function defaultContainer(c: unknown): void {
  if (!obj(c)) return;
  dflt(c, 'terminationMessagePath', '/dev/termination-log');
  dflt(c, 'terminationMessagePolicy', 'File');
  dflt(c, 'imagePullPolicy', pullPolicyFor(typeof c.image === 'string' ? c.image : undefined));
  dflt(c, 'resources', {});
  eachObject(c.ports, (p) => dflt(p, 'protocol', 'TCP'));
  eachObject(c.env, (e) => {
    const fieldRef = obj(e.valueFrom) ? objectAt(e.valueFrom, 'fieldRef') : undefined;
    if (fieldRef) dflt(fieldRef, 'apiVersion', 'v1');
  });
  // Requests default to limits for each resource that has only a limit.
  const r = c.resources;
  if (obj(r) && obj(r.limits)) {
    r.requests = { ...r.limits, ...(obj(r.requests) ? r.requests : {}) };
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

const SOURCES = ['hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image'];

function defaultVolume(v: unknown): void {
  if (!obj(v)) return;
  if (!SOURCES.some((s) => ownValue(v, s) !== undefined)) v.emptyDir = {};
  if (obj(v.hostPath)) dflt(v.hostPath, 'type', '');
  for (const s of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const source = objectAt(v, s);
    if (source) dflt(source, 'defaultMode', 0o644);
  }
  if (obj(v.downwardAPI)) eachObject(v.downwardAPI.items, (i) => obj(i.fieldRef) && dflt(i.fieldRef, 'apiVersion', 'v1'));
  if (obj(v.projected)) eachObject(v.projected.sources, (s) => obj(s.serviceAccountToken) && dflt(s.serviceAccountToken, 'expirationSeconds', 3600));
  if (obj(v.iscsi)) dflt(v.iscsi, 'iscsiInterface', 'default');
  if (obj(v.rbd)) {
    dflt(v.rbd, 'pool', 'rbd');
    dflt(v.rbd, 'user', 'admin');
    dflt(v.rbd, 'keyring', '/etc/ceph/keyring');
  }
  if (obj(v.azureDisk)) {
    dflt(v.azureDisk, 'cachingMode', 'ReadWrite');
    dflt(v.azureDisk, 'fsType', 'ext4');
    dflt(v.azureDisk, 'readOnly', false);
    dflt(v.azureDisk, 'kind', 'Shared');
  }
}

/** Defaults a PodSpec in place; ignores anything that is not an object. */
export function defaultPodSpec(spec: unknown): void {
  if (!obj(spec)) return;
  dflt(spec, 'restartPolicy', 'Always');
  dflt(spec, 'dnsPolicy', 'ClusterFirst');
  dflt(spec, 'terminationGracePeriodSeconds', 30);
  dflt(spec, 'schedulerName', 'default-scheduler');
  dflt(spec, 'securityContext', {});
  dflt(spec, 'enableServiceLinks', true);
  // The Priority admission plugin's values when no PriorityClass is named.
  if (spec.priorityClassName === undefined) dflt(spec, 'priority', 0);
  dflt(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  if (spec.hostNetwork === true && Array.isArray(spec.containers)) {
    // Host networking: container ports are host ports.
    for (const c of [...spec.containers, ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])]) {
      if (obj(c)) eachObject(c.ports, (p) => p.containerPort !== undefined && dflt(p, 'hostPort', p.containerPort));
    }
  }
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    if (Array.isArray(list)) list.forEach(defaultContainer);
  }
  if (Array.isArray(spec.volumes)) spec.volumes.forEach(defaultVolume);
}

/** Defaults a PodTemplateSpec (`{metadata, spec}`) in place. */
export function defaultPodTemplate(template: unknown): void {
  if (obj(template)) defaultPodSpec(template.spec);
}
