// Container env and envFrom (upstream core ValidateEnv, validateEnvVarValueFrom, ValidateEnvFrom).
import { configKeyProblems, type Errs, invalid, isOneOf, type Keys, notSupported, qualifiedNameProblems, required } from './field.js';
import { isObject, type EnvFromSource, type EnvVarSource, type JsonObject } from '../types.js';

// Upstream 1.32 relaxes env names (RelaxedEnvironmentVariableValidation, on by default): any
// printable ASCII but '='.
const ENV_NAME_MESSAGE = "a valid environment variable name must consist only of printable ASCII characters other than '='";
export const envNameProblems = (v: string): string[] => (/^[\x20-\x3c\x3e-\x7e]+$/.test(v) ? [] : [ENV_NAME_MESSAGE]);

const FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const RESOURCES = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

function fieldRef(errs: Errs, f: string, r: JsonObject): void {
  if (!r.apiVersion) errs.push(required(`${f}.apiVersion`));
  if (!r.fieldPath) return void errs.push(required(`${f}.fieldPath`));
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(String(r.fieldPath));
  if (sub) {
    const key = sub[1] === 'annotations' ? sub[2]!.toLowerCase() : sub[2]!;
    for (const m of qualifiedNameProblems(key)) errs.push(invalid(`${f}.fieldPath`, sub[2], m));
  } else if (!isOneOf(r.fieldPath, FIELD_PATHS)) errs.push(notSupported(`${f}.fieldPath`, r.fieldPath, FIELD_PATHS));
}

function keyRef(errs: Errs, f: string, r: JsonObject): void {
  if (!r.name) errs.push(required(`${f}.name`));
  if (!r.key) errs.push(required(`${f}.key`));
  else for (const m of configKeyProblems(String(r.key))) errs.push(invalid(`${f}.key`, r.key, m));
}

function valueFrom(errs: Errs, f: string, e: JsonObject): void {
  const vf = e.valueFrom;
  if (!isObject(vf)) return;
  const sources = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const satisfies Keys<EnvVarSource>).filter((k) => vf[k] != null);
  if (isObject(vf.fieldRef)) fieldRef(errs, `${f}.fieldRef`, vf.fieldRef);
  if (isObject(vf.resourceFieldRef)) {
    const r = vf.resourceFieldRef;
    if (!r.resource) errs.push(required(`${f}.resourceFieldRef.resource`));
    else if (!isOneOf(r.resource, RESOURCES) && !/^(limits|requests)\.hugepages-/.test(String(r.resource))) errs.push(notSupported(`${f}.resourceFieldRef.resource`, r.resource, RESOURCES));
  }
  if (isObject(vf.configMapKeyRef)) keyRef(errs, `${f}.configMapKeyRef`, vf.configMapKeyRef);
  if (isObject(vf.secretKeyRef)) keyRef(errs, `${f}.secretKeyRef`, vf.secretKeyRef);
  if (sources.length === 0) errs.push(invalid(f, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (typeof e.value === 'string' && e.value !== '') errs.push(invalid(f, '', 'may not be specified when `value` is not empty'));
  else if (sources.length > 1) errs.push(invalid(f, '', 'may not have more than one field specified at a time'));
}

/** A container's env list at `field` (…containers[i].env). */
export function validateEnv(errs: Errs, field: string, env: unknown): void {
  if (!Array.isArray(env)) return;
  env.forEach((e, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(e)) return;
    if (!e.name) errs.push(required(`${f}.name`));
    else for (const m of envNameProblems(String(e.name))) errs.push(invalid(`${f}.name`, e.name, m));
    valueFrom(errs, `${f}.valueFrom`, e);
  });
}

/** A container's envFrom list: each entry names exactly one ConfigMap or Secret. */
export function validateEnvFrom(errs: Errs, field: string, envFrom: unknown): void {
  if (!Array.isArray(envFrom)) return;
  envFrom.forEach((e, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(e)) return;
    if (typeof e.prefix === 'string' && e.prefix) for (const m of envNameProblems(e.prefix)) errs.push(invalid(`${f}.prefix`, e.prefix, m));
    const sources = (['configMapRef', 'secretRef'] as const satisfies Keys<EnvFromSource>).filter((k) => e[k] != null);
    for (const k of sources) {
      const ref = e[k];
      if (isObject(ref) && !ref.name) errs.push(required(`${f}.${k}.name`));
    }
    if (sources.length === 0) errs.push(invalid(f, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources.length > 1) errs.push(invalid(f, '', 'may not have more than one field specified at a time'));
  });
}
