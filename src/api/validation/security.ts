// Pod and container securityContext (upstream core validatePodSecurityContext and
// ValidateSecurityContext): ids in range, enums, and privilege combinations that contradict.
import { type Errs, invalid, isInt, isOneOf, type Keys, notSupported } from './field.js';
import { isObject, type JsonObject, type PodSecurityContext, type SecurityContext } from '../types.js';

const MAX_ID = 2147483647;
const id = (errs: Errs, f: string, v: unknown) => {
  if (v != null && (!isInt(v) || v < 0 || v > MAX_ID)) errs.push(invalid(f, v, `must be between 0 and ${MAX_ID}, inclusive`));
};
const FS_GROUP_POLICIES = ['OnRootMismatch', 'Always'];
const PROC_MOUNTS = ['Default', 'Unmasked'];
const SECCOMP = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function seccomp(errs: Errs, f: string, p: unknown): void {
  if (!isObject(p)) return;
  if (p.type !== undefined && !isOneOf(p.type, SECCOMP)) errs.push(notSupported(`${f}.type`, p.type, SECCOMP));
  if (p.type === 'Localhost' && !p.localhostProfile) errs.push({ reason: 'FieldValueRequired', message: 'Required value: must be set when seccomp type is Localhost', field: `${f}.localhostProfile` });
  if (p.type !== 'Localhost' && p.localhostProfile != null) errs.push(invalid(`${f}.localhostProfile`, p.localhostProfile, 'can only be set when seccomp type is Localhost'));
}

export function validatePodSecurityContext(errs: Errs, field: string, sc: unknown): void {
  if (!isObject(sc)) return;
  for (const k of ['runAsUser', 'runAsGroup', 'fsGroup'] as const satisfies Keys<PodSecurityContext>) id(errs, `${field}.${k}`, sc[k]);
  if (Array.isArray(sc.supplementalGroups)) sc.supplementalGroups.forEach((g: unknown, i: number) => id(errs, `${field}.supplementalGroups[${i}]`, g));
  if (sc.fsGroupChangePolicy != null && !isOneOf(sc.fsGroupChangePolicy, FS_GROUP_POLICIES)) errs.push(notSupported(`${field}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, FS_GROUP_POLICIES));
  seccomp(errs, `${field}.seccompProfile`, sc.seccompProfile);
}

export function validateContainerSecurityContext(errs: Errs, field: string, sc: unknown): void {
  if (!isObject(sc)) return;
  for (const k of ['runAsUser', 'runAsGroup'] as const satisfies Keys<SecurityContext>) id(errs, `${field}.${k}`, sc[k]);
  if (sc.procMount != null && !isOneOf(sc.procMount, PROC_MOUNTS)) errs.push(notSupported(`${field}.procMount`, sc.procMount, PROC_MOUNTS));
  seccomp(errs, `${field}.seccompProfile`, sc.seccompProfile);
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(invalid(field, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    const add = isObject(sc.capabilities) && Array.isArray(sc.capabilities.add) ? sc.capabilities.add : [];
    // Upstream matches the literal "CAP_SYS_ADMIN" only: SYS_ADMIN (what manifests usually say) passes.
    if (add.includes('CAP_SYS_ADMIN')) errs.push(invalid(field, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
}

const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL = new RegExp(`^(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}$`);
const SYSCTL_MAX = 253;

// The namespace a sysctl lives in, for the ones a pod sharing the host's may not set
// (upstream utilsysctl.GetNamespace; names written with '/' are read as with '.').
function sysctlNamespace(name: string): 'net' | 'ipc' | undefined {
  const sep = name.search(/[./]/);
  const n = sep >= 0 && name[sep] === '/' ? name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.')) : name;
  if (n.startsWith('net.')) return 'net';
  if (n === 'kernel.sem' || n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

/** securityContext.sysctls of a pod spec (upstream validateSysctls): names valid, unique, and not of a namespace shared with the host. */
export function validateSysctls(errs: Errs, field: string, sysctls: unknown, spec: JsonObject): void {
  if (!Array.isArray(sysctls)) return;
  const seen = new Set<string>();
  sysctls.forEach((s, i) => {
    const f = `${field}[${i}].name`;
    const name = isObject(s) && typeof s.name === 'string' ? s.name : '';
    if (!name) errs.push({ reason: 'FieldValueRequired', message: 'Required value', field: f });
    else if (name.length > SYSCTL_MAX || !SYSCTL.test(name)) errs.push(invalid(f, name, `must have at most ${SYSCTL_MAX} characters and match regex ${SYSCTL.source}`));
    else if (seen.has(name)) errs.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(name)}`, field: f });
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork === true && ns === 'net') errs.push(invalid(f, name, "may not be specified when 'hostNetwork' is true"));
    if (spec.hostIPC === true && ns === 'ipc') errs.push(invalid(f, name, "may not be specified when 'hostIPC' is true"));
    seen.add(name);
  });
}
