// Pod volumes and container volume mounts (upstream core ValidateVolumes, validateVolumeSource,
// ValidateVolumeMounts): one source per volume, unique DNS-label names, relative item paths.
import { duplicate, type Errs, forbidden, invalid, isInt, isOneOf, type Keys, labelProblems, notSupported, parseQuantity, QUANTITY_MESSAGE, required } from './field.js';
import { localDescendingPath, localNonReservedPath, noBacksteps } from './common.js';
import { isObject, type JsonObject, type Volume, type VolumeProjection } from '../types.js';

// In upstream's order: a second source is reported at its own path.
const SOURCES = ['emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs', 'flocker',
  'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap', 'azureFile', 'vsphereVolume',
  'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO', 'csi', 'ephemeral', 'image'] as const satisfies Keys<Volume>;
type SourceKind = (typeof SOURCES)[number];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const FILE_MODE = 'must be a number between 0 and 0777 (octal), both inclusive';

function fileMode(errs: Errs, field: string, mode: unknown): void {
  if (mode != null && (!isInt(mode) || mode < 0 || mode > 0o777)) errs.push(invalid(field, mode, FILE_MODE));
}

function keyToPaths(errs: Errs, field: string, items: unknown): void {
  if (!Array.isArray(items)) return;
  items.forEach((kp, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(kp)) return;
    if (!kp.key) errs.push(required(`${f}.key`));
    if (!kp.path) errs.push(required(`${f}.path`));
    if (typeof kp.path === 'string') localNonReservedPath(errs, `${f}.path`, kp.path);
    fileMode(errs, `${f}.mode`, kp.mode);
  });
}

function validateSource(errs: Errs, f: string, kind: SourceKind, s: unknown): void {
  if (!isObject(s)) return;
  switch (kind) {
    case 'emptyDir':
      if (s.sizeLimit != null) {
        const q = parseQuantity(s.sizeLimit);
        if (q === undefined) errs.push(invalid(`${f}.sizeLimit`, s.sizeLimit, QUANTITY_MESSAGE));
        else if (q < 0) errs.push(forbidden(`${f}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    case 'hostPath':
      if (!s.path) return void errs.push(required(`${f}.path`));
      noBacksteps(errs, `${f}.path`, String(s.path));
      if (s.type != null && !isOneOf(s.type, HOST_PATH_TYPES)) errs.push(notSupported(`${f}.type`, s.type, HOST_PATH_TYPES));
      break;
    case 'secret':
      if (!s.secretName) errs.push(required(`${f}.secretName`));
      fileMode(errs, `${f}.defaultMode`, s.defaultMode);
      keyToPaths(errs, `${f}.items`, s.items);
      break;
    case 'configMap':
      if (!s.name) errs.push(required(`${f}.name`));
      fileMode(errs, `${f}.defaultMode`, s.defaultMode);
      keyToPaths(errs, `${f}.items`, s.items);
      break;
    case 'persistentVolumeClaim':
      if (!s.claimName) errs.push(required(`${f}.claimName`));
      break;
    case 'nfs':
      if (!s.server) errs.push(required(`${f}.server`));
      if (!s.path) errs.push(required(`${f}.path`));
      if (typeof s.path !== 'string' || !s.path.startsWith('/')) errs.push(invalid(`${f}.path`, s.path ?? '', 'must be an absolute path'));
      break;
    case 'downwardAPI':
      fileMode(errs, `${f}.defaultMode`, s.defaultMode);
      downwardItems(errs, `${f}.items`, s.items);
      break;
    case 'projected':
      fileMode(errs, `${f}.defaultMode`, s.defaultMode);
      projected(errs, f, s);
      break;
    case 'csi':
      if (!s.driver) errs.push(required(`${f}.driver`));
      break;
    default:
  }
}

function downwardItems(errs: Errs, field: string, items: unknown): void {
  if (!Array.isArray(items)) return;
  items.forEach((it, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(it)) return;
    if (!it.path) errs.push(required(`${f}.path`));
    if (typeof it.path === 'string') localNonReservedPath(errs, `${f}.path`, it.path);
    fileMode(errs, `${f}.mode`, it.mode);
    if (it.fieldRef && it.resourceFieldRef) errs.push(invalid(f, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    else if (!it.fieldRef && !it.resourceFieldRef) errs.push(required(f, 'one of fieldRef and resourceFieldRef is required'));
  });
}

function projected(errs: Errs, field: string, s: JsonObject): void {
  if (!Array.isArray(s.sources)) return;
  s.sources.forEach((src, i) => {
    const f = `${field}.sources[${i}]`;
    if (!isObject(src)) return;
    const kinds = (['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'] as const satisfies Keys<VolumeProjection>).filter((k) => src[k] != null);
    if (kinds.length > 1) errs.push(forbidden(f, 'may not specify more than 1 volume type per source'));
    if (isObject(src.secret)) keyToPaths(errs, `${f}.secret.items`, src.secret.items);
    if (isObject(src.configMap)) keyToPaths(errs, `${f}.configMap.items`, src.configMap.items);
    if (isObject(src.downwardAPI)) downwardItems(errs, `${f}.downwardAPI.items`, src.downwardAPI.items);
    if (isObject(src.serviceAccountToken)) {
      const t = src.serviceAccountToken;
      if (!t.path) errs.push(required(`${f}.serviceAccountToken.path`));
      else localNonReservedPath(errs, `${f}.serviceAccountToken.path`, String(t.path));
      if (t.expirationSeconds != null && (!isInt(t.expirationSeconds) || t.expirationSeconds < 600)) {
        errs.push(invalid(`${f}.serviceAccountToken.expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
      }
    }
  });
}

/**
 * Validates spec.volumes at `field` and returns the names (as the body gives them) that
 * volumeMounts may refer to.
 */
export function validateVolumes(errs: Errs, field: string, volumes: unknown): Set<unknown> {
  const names = new Set<unknown>();
  if (!Array.isArray(volumes)) return names;
  volumes.forEach((v, i) => {
    const vf = `${field}[${i}]`;
    if (!isObject(v)) return;
    const own: Errs = [];
    let count = 0;
    for (const kind of SOURCES) {
      const source = v[kind];
      if (source == null) continue;
      if (count++ > 0) own.push(forbidden(`${vf}.${kind}`, 'may not specify more than 1 volume type'));
      else validateSource(own, `${vf}.${kind}`, kind, source);
    }
    if (count === 0) own.push(required(vf, 'must specify a volume type'));
    if (!v.name) own.push(required(`${vf}.name`));
    else for (const m of labelProblems(String(v.name))) own.push(invalid(`${vf}.name`, v.name, m));
    if (v.name && names.has(v.name)) own.push(duplicate(`${vf}.name`, v.name));
    if (own.length === 0) names.add(v.name);
    // A volume with its own problems is not also reported as missing by the mounts naming it.
    else {
      errs.push(...own);
      if (v.name) names.add(v.name);
    }
  });
  return names;
}

/** A container's volumeMounts: known volume names, unique mount paths, relative subPaths. */
export function validateVolumeMounts(errs: Errs, field: string, mounts: unknown, volumes: ReadonlySet<unknown>): void {
  if (!Array.isArray(mounts)) return;
  const paths = new Set<unknown>();
  mounts.forEach((m, i) => {
    if (!isObject(m)) return;
    const mf = `${field}[${i}]`;
    if (!m.name) errs.push(required(`${mf}.name`));
    else if (!volumes.has(m.name)) errs.push({ reason: 'FieldValueNotFound', message: `Not found: ${JSON.stringify(m.name)}`, field: `${mf}.name` });
    if (!m.mountPath) errs.push(required(`${mf}.mountPath`));
    else if (paths.has(m.mountPath)) errs.push(invalid(`${mf}.mountPath`, m.mountPath, 'must be unique'));
    if (m.mountPath) paths.add(m.mountPath);
    if (typeof m.subPath === 'string' && m.subPath) localDescendingPath(errs, `${mf}.subPath`, m.subPath);
    if (typeof m.subPathExpr === 'string' && m.subPathExpr) {
      if (m.subPath) errs.push(invalid(`${mf}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      localDescendingPath(errs, `${mf}.subPathExpr`, m.subPathExpr);
    }
    const props = ['None', 'HostToContainer', 'Bidirectional'];
    if (m.mountPropagation != null && !isOneOf(m.mountPropagation, props)) errs.push(notSupported(`${mf}.mountPropagation`, m.mountPropagation, props));
  });
}
