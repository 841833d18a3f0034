// The admission plugins that read other objects before a write: LimitRanger (pods and
// PersistentVolumeClaims against the namespace's LimitRanges), Priority (a pod's priority
// from its PriorityClass; one globalDefault class; the system classes stay) and the pod
// strategy's QoS class. The decisions are pure functions in src/api; this reads their inputs.
import { applyLimitRangeDefaults, podLimitProblems, pvcLimitProblems } from '../../api/admission/limitranger.js';
import { podQosClass } from '../../api/qos.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { SYSTEM_PRIORITY_CLASSES } from '../../api/validation/priorityclass.js';
import { csrOrganizations } from '../../api/validation/csr.js';
import { apiError } from '../status.js';
import type { Obj } from './codec.js';
import type { Registry } from './registry.js';
import type { Requestor } from './meta.js';

const LIMIT_RANGES = findResource('', 'v1', 'limitranges')!;
const PRIORITY_CLASSES = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;

/** `pods "web" is forbidden: ...`, 403 as admission.NewForbidden words it. */
export function admissionForbidden(r: ResourceInfo, name: string, message: string) {
  const resource = r.group ? `${r.plural}.${r.group}` : r.plural;
  return apiError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${message}`, { name, group: r.group, kind: r.plural });
}

// utilerrors.NewAggregate: one message alone, several in brackets.
const aggregate = (msgs: string[]) => (msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`);

async function listAll(reg: Registry, r: ResourceInfo, ns: string): Promise<Obj[]> {
  return (await reg.list(r, ns, {})).items as Obj[];
}

/**
 * Mutating admission on create, after defaulting: LimitRange defaults and the pod's priority.
 * Rejects ApiError 403 when the named PriorityClass does not exist.
 */
export async function admitCreate(reg: Registry, r: ResourceInfo, ns: string, obj: Obj): Promise<void> {
  if (r.plural !== 'pods') return;
  applyLimitRangeDefaults(obj, await listAll(reg, LIMIT_RANGES, ns));
  await podPriority(reg, r, obj);
}

/** The pod strategy's PrepareForCreate part that needs the admitted spec: status.qosClass. */
export function finishPodCreate(r: ResourceInfo, obj: Obj): void {
  if (r.plural !== 'pods') return;
  obj.status = { ...(obj.status ?? {}), qosClass: podQosClass(obj.spec) };
}

async function podPriority(reg: Registry, r: ResourceInfo, pod: Obj): Promise<void> {
  const spec = pod.spec;
  if (!spec || typeof spec !== 'object') return;
  const name = spec.priorityClassName;
  let pc: Obj | undefined;
  if (typeof name === 'string' && name) {
    pc = await reg.get(PRIORITY_CLASSES, '', name).catch(() => undefined);
    if (!pc) throw admissionForbidden(r, pod.metadata?.name ?? '', `no PriorityClass with name ${name} was found`);
  } else {
    pc = (await listAll(reg, PRIORITY_CLASSES, '')).filter((c) => c.globalDefault === true).sort((a, b) => (a.value ?? 0) - (b.value ?? 0))[0];
    if (pc) spec.priorityClassName = pc.metadata.name;
  }
  if (!pc) return;
  const value = pc.value ?? 0;
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value && !(name === undefined && spec.priority === 0)) {
    throw admissionForbidden(r, pod.metadata?.name ?? '', 'the integer value of priority (' + spec.priority + ') must not be provided in pod spec; priority admission controller computed ' + value + ' from the given PriorityClass name');
  }
  spec.priority = value;
  if (pc.preemptionPolicy) spec.preemptionPolicy = pc.preemptionPolicy;
}

/**
 * Validating admission on create and update: LimitRange limits (pods on create, claims on
 * both, as upstream) and the single globalDefault PriorityClass. Rejects ApiError 403.
 */
export async function admitValidate(reg: Registry, r: ResourceInfo, ns: string, obj: Obj, old?: Obj): Promise<void> {
  // Pods only on create (their containers cannot change after), claims also on update (resize).
  if ((!old && r.plural === 'pods') || r.plural === 'persistentvolumeclaims') {
    const ranges = await listAll(reg, LIMIT_RANGES, ns);
    const problems = r.plural === 'pods' ? podLimitProblems(obj, ranges) : pvcLimitProblems(obj, ranges);
    if (problems.length) throw admissionForbidden(r, obj.metadata?.name ?? '', aggregate(problems));
  }
  if (!old && r.plural === 'certificatesigningrequests') certificateSubjectRestriction(r, obj);
  if (r.plural === 'priorityclasses' && obj.globalDefault === true) {
    const other = (await listAll(reg, PRIORITY_CLASSES, '')).find((c) => c.globalDefault === true && c.metadata.name !== obj.metadata.name);
    if (other) throw admissionForbidden(r, obj.metadata.name, `PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`);
  }
}

/**
 * CertificateSubjectRestriction: no request to the apiserver-client signer for a certificate in
 * system:masters (that group bypasses every authorization). Throws ApiError 403.
 */
function certificateSubjectRestriction(r: ResourceInfo, csr: Obj): void {
  if (csr.spec?.signerName !== 'kubernetes.io/kube-apiserver-client' || typeof csr.spec.request !== 'string') return;
  if (csrOrganizations(Buffer.from(csr.spec.request, 'base64')).includes('system:masters')) {
    throw admissionForbidden(r, csr.metadata.name, 'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  }
}

/**
 * CertificateApproval and CertificateSigning: deciding a CSR (/approval) takes the `approve`
 * verb, issuing its certificate (/status) the `sign` verb, on the `signers` resource named
 * after its signerName (or `<domain>/*`). Skipped for in-process writes (no user). Rejects
 * ApiError 403.
 */
export async function admitCsrSubresource(reg: Registry, r: ResourceInfo, sub: string | undefined, next: Obj, old: Obj, user?: Requestor): Promise<void> {
  if (r.plural !== 'certificatesigningrequests' || !user) return;
  const signer = String(next.spec?.signerName ?? '');
  let verb: 'approve' | 'sign';
  if (sub === 'approval') verb = 'approve';
  else if (sub === 'status' && (next.status?.certificate ?? '') !== (old.status?.certificate ?? '')) verb = 'sign';
  else return;
  const who = { name: user.name, uid: user.uid, groups: user.groups ?? [], extra: user.extra };
  const may = async (name: string) => (await reg.deps.hooks.authorize(who, {
    user: who, verb, apiGroup: 'certificates.k8s.io', resource: 'signers', name, resourceRequest: true,
  })).allowed;
  if (await may(signer) || await may(`${signer.split('/')[0]}/*`)) return;
  throw admissionForbidden(r, next.metadata.name, `user not permitted to ${verb} requests with signerName "${signer}"`);
}

/** The system PriorityClasses cannot be deleted (upstream's priorityclass storage). Throws ApiError 403. */
export function admitDelete(r: ResourceInfo, name: string): void {
  if (r.plural === 'priorityclasses' && SYSTEM_PRIORITY_CLASSES.some((c) => c.name === name)) {
    throw admissionForbidden(r, name, 'this is a system priority class and cannot be deleted');
  }
}

/** Creates the system PriorityClasses that are absent (upstream's scheduling post-start hook). Rejects with the registry's ApiError. */
export async function ensureSystemPriorityClasses(reg: Registry): Promise<void> {
  for (const c of SYSTEM_PRIORITY_CLASSES) {
    const obj = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: c.name }, value: c.value, description: c.description };
    await reg.create(PRIORITY_CLASSES, '', obj).catch((e) => { if (e?.code !== 409) throw e; });
  }
}
