// Pod spec defaults, as upstream's core/v1 defaulters (SetDefaults_PodSpec, _Container,
// _Probe, _Volume ...) and the admission plugins every cluster runs (Priority) leave them.

/** Sets obj[key] when it is absent (undefined or null), like a Go defaulter on a nil field. */
export function dflt<T>(obj: any, key: string, value: T): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

const obj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

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
  dflt(c, 'imagePullPolicy', pullPolicyFor(c.image));
  dflt(c, 'resources', {});
  if (Array.isArray(c.ports)) for (const p of c.ports) if (obj(p)) dflt(p, 'protocol', 'TCP');
  if (Array.isArray(c.env)) {
    for (const e of c.env) if (obj(e) && obj(e.valueFrom) && obj(e.valueFrom.fieldRef)) dflt(e.valueFrom.fieldRef, 'apiVersion', 'v1');
  }
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
  if (!SOURCES.some((s) => v[s] !== undefined)) v.emptyDir = {};
  if (obj(v.hostPath)) dflt(v.hostPath, 'type', '');
  for (const s of ['secret', 'configMap', 'downwardAPI', 'projected']) if (obj(v[s])) dflt(v[s], 'defaultMode', 0o644);
  if (obj(v.downwardAPI) && Array.isArray(v.downwardAPI.items)) {
    for (const i of v.downwardAPI.items) if (obj(i) && obj(i.fieldRef)) dflt(i.fieldRef, 'apiVersion', 'v1');
  }
  if (obj(v.projected) && Array.isArray(v.projected.sources)) {
    for (const s of v.projected.sources) if (obj(s) && obj(s.serviceAccountToken)) dflt(s.serviceAccountToken, 'expirationSeconds', 3600);
  }
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
      if (obj(c) && Array.isArray(c.ports)) for (const p of c.ports) if (obj(p)) dflt(p, 'hostPort', p.containerPort);
    }
  }
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    if (Array.isArray(spec[list])) spec[list].forEach(defaultContainer);
  }
  if (Array.isArray(spec.volumes)) spec.volumes.forEach(defaultVolume);
}

/** Defaults a PodTemplateSpec (`{metadata, spec}`) in place. */
export function defaultPodTemplate(template: unknown): void {
  if (obj(template)) defaultPodSpec(template.spec);
}
