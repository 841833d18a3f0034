// PodSpec validation (upstream pkg/apis/core/validation: ValidatePodSpec and its parts), the
// checks users hit in practice: containers, names, images, ports, enums, resources, volumes.
import { duplicate, type Errs, forbidden, invalid, isInt, isOneOf, type Keys, type Values, labelProblems, notSupported, parseQuantity, QUANTITY_MESSAGE, required } from './field.js';
import { labelMap, portNameProblems } from './common.js';
import { validateEnv, validateEnvFrom } from './env.js';
import { validateLifecycle, validateProbe } from './probe.js';
import { validateAffinity, validateTolerations, validateTopologySpreadConstraints } from './scheduling.js';
import { validateContainerSecurityContext, validatePodSecurityContext, validateSysctls } from './security.js';
import { validateDnsConfig, validateHostPorts } from './podnet.js';
import { validateVolumeMounts, validateVolumes } from './volume.js';
import { isObject, type Container, type ContainerPort, type JsonObject, type PodSpec, type ResourceRequirements } from '../types.js';
import { dict, ownValue } from '../../own-keys.js';

const RESTART = ['Always', 'OnFailure', 'Never'] satisfies Values<PodSpec['restartPolicy']>;
const DNS = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] satisfies Values<PodSpec['dnsPolicy']>;
const PULL = ['Always', 'IfNotPresent', 'Never'] satisfies Values<Container['imagePullPolicy']>;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] satisfies Values<ContainerPort['protocol']>;
const TERMINATION_MESSAGE = ['File', 'FallbackToLogsOnError'] satisfies Values<Container['terminationMessagePolicy']>;

export function validPort(errs: Errs, field: string, port: unknown): void {
  if (!isInt(port) || port < 1 || port > 65535) errs.push(invalid(field, port, 'must be between 1 and 65535, inclusive'));
}

function validResources(errs: Errs, field: string, r: unknown): void {
  if (!isObject(r)) return;
  // Keys are resource names from the body: kept in null-prototype maps.
  const values = { limits: dict<number>(), requests: dict<number>() };
  for (const kind of ['limits', 'requests'] as const satisfies Keys<ResourceRequirements>) {
    const list = r[kind];
    if (!isObject(list)) continue;
    for (const [name, q] of Object.entries(list)) {
      const f = `${field}.${kind}[${name}]`;
      const v = parseQuantity(q);
      if (v === undefined) errs.push(invalid(f, q, QUANTITY_MESSAGE));
      else if (v < 0) errs.push(invalid(f, q, 'must be greater than or equal to 0'));
      else values[kind][name] = v;
    }
  }
  for (const [name, req] of Object.entries(values.requests)) {
    const lim = values.limits[name];
    // Both maps hold the name, so both lists are objects that have it.
    const given = (kind: 'limits' | 'requests') => { const list = r[kind]; return isObject(list) ? ownValue(list, name) : undefined; };
    if (lim !== undefined && req > lim) errs.push(invalid(`${field}.requests[${name}]`, given('requests'), `must be less than or equal to ${name} limit of ${given('limits')}`));
  }
}

type ContainerKind = 'container' | 'init';

function validContainer(errs: Errs, field: string, c: unknown, volumes: ReadonlySet<unknown>, kind: ContainerKind): void {
  if (!isObject(c)) return void errs.push(required(field));
  if (!c.name) errs.push(required(`${field}.name`));
  else if (typeof c.name === 'string') for (const m of labelProblems(c.name)) errs.push(invalid(`${field}.name`, c.name, m));
  if (!c.image || (typeof c.image === 'string' && c.image.trim() === '')) errs.push(required(`${field}.image`));
  if (c.imagePullPolicy !== undefined && !isOneOf(c.imagePullPolicy, PULL)) errs.push(notSupported(`${field}.imagePullPolicy`, c.imagePullPolicy, PULL));
  if (c.terminationMessagePolicy !== undefined && !isOneOf(c.terminationMessagePolicy, TERMINATION_MESSAGE)) errs.push(notSupported(`${field}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE));
  validPorts(errs, `${field}.ports`, c.ports);
  validateEnv(errs, `${field}.env`, c.env);
  validateEnvFrom(errs, `${field}.envFrom`, c.envFrom);
  validateVolumeMounts(errs, `${field}.volumeMounts`, c.volumeMounts, volumes);
  validResources(errs, `${field}.resources`, c.resources);
  validateContainerSecurityContext(errs, `${field}.securityContext`, c.securityContext);
  // Init containers run to completion unless they are sidecars (restartPolicy Always).
  const sidecar = kind === 'init' && c.restartPolicy === 'Always';
  if (kind === 'container' && c.restartPolicy != null) errs.push(forbidden(`${field}.restartPolicy`, 'may not be set for non-init containers'));
  if (kind === 'init' && c.restartPolicy != null && c.restartPolicy !== 'Always') errs.push(notSupported(`${field}.restartPolicy`, c.restartPolicy, ['Always']));
  if (kind === 'init' && !sidecar) {
    for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const satisfies Keys<Container>) {
      if (c[k] != null) errs.push(forbidden(`${field}.${k}`, 'may not be set for init containers without restartPolicy=Always'));
    }
    return;
  }
  validateProbe(errs, `${field}.livenessProbe`, c.livenessProbe, true);
  validateProbe(errs, `${field}.readinessProbe`, c.readinessProbe, false);
  validateProbe(errs, `${field}.startupProbe`, c.startupProbe, true);
  validateLifecycle(errs, `${field}.lifecycle`, c.lifecycle);
}

function validPorts(errs: Errs, field: string, ports: unknown): void {
  if (!Array.isArray(ports)) return;
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pf = `${field}[${i}]`;
    if (!isObject(p)) return;
    if (typeof p.name === 'string' && p.name) {
      for (const m of portNameProblems(p.name)) errs.push(invalid(`${pf}.name`, p.name, m));
      if (names.has(p.name)) errs.push(duplicate(`${pf}.name`, p.name));
      names.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) errs.push(required(`${pf}.containerPort`));
    else validPort(errs, `${pf}.containerPort`, p.containerPort);
    if (p.hostPort !== undefined && p.hostPort !== 0) validPort(errs, `${pf}.hostPort`, p.hostPort);
    if (p.protocol !== undefined && !isOneOf(p.protocol, PROTOCOLS)) errs.push(notSupported(`${pf}.protocol`, p.protocol, PROTOCOLS));
  });
}

/** Validates a PodSpec at `field` ('spec' for pods, 'spec.template.spec' for workloads). */
export function validatePodSpec(errs: Errs, field: string, spec: unknown): void {
  if (!isObject(spec)) return void errs.push(required(field));
  const volumes = validateVolumes(errs, `${field}.volumes`, spec.volumes);
  const names = new Set<string>();
  const eachContainer = (list: 'containers' | 'initContainers' & keyof PodSpec, requiredList: boolean, kind: ContainerKind) => {
    const cs = spec[list];
    if (cs === undefined || cs === null || (Array.isArray(cs) && cs.length === 0)) {
      if (requiredList) errs.push(required(`${field}.${list}`));
      return;
    }
    if (!Array.isArray(cs)) return void errs.push(invalid(`${field}.${list}`, cs, 'must be a list'));
    cs.forEach((c, i) => {
      validContainer(errs, `${field}.${list}[${i}]`, c, volumes, kind);
      if (isObject(c) && typeof c.name === 'string' && c.name) {
        if (names.has(c.name)) errs.push(duplicate(`${field}.${list}[${i}].name`, c.name));
        names.add(c.name);
      }
    });
  };
  eachContainer('containers', true, 'container');
  eachContainer('initContainers', false, 'init');
  if (spec.restartPolicy !== undefined && !isOneOf(spec.restartPolicy, RESTART)) errs.push(notSupported(`${field}.restartPolicy`, spec.restartPolicy, RESTART));
  if (spec.dnsPolicy !== undefined && !isOneOf(spec.dnsPolicy, DNS)) errs.push(notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, DNS));
  if (spec.terminationGracePeriodSeconds != null && (!isInt(spec.terminationGracePeriodSeconds) || spec.terminationGracePeriodSeconds < 0)) {
    errs.push(invalid(`${field}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  if (spec.activeDeadlineSeconds != null && (!isInt(spec.activeDeadlineSeconds) || spec.activeDeadlineSeconds < 1)) {
    errs.push(invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  for (const k of ['hostname', 'subdomain'] as const satisfies Keys<PodSpec>) {
    const name = spec[k];
    if (typeof name === 'string' && name) for (const m of labelProblems(name)) errs.push(invalid(`${field}.${k}`, name, m));
  }
  labelMap(errs, `${field}.nodeSelector`, spec.nodeSelector);
  validateTolerations(errs, `${field}.tolerations`, spec.tolerations);
  validateTopologySpreadConstraints(errs, `${field}.topologySpreadConstraints`, spec.topologySpreadConstraints);
  validateDnsConfig(errs, `${field}.dnsConfig`, spec.dnsConfig, spec.dnsPolicy);
  validateHostPorts(errs, `${field}.containers`, spec.containers);
  if (isObject(spec.securityContext)) validateSysctls(errs, `${field}.securityContext.sysctls`, spec.securityContext.sysctls, spec);
  validateAffinity(errs, `${field}.affinity`, spec.affinity);
  validatePodSecurityContext(errs, `${field}.securityContext`, spec.securityContext);
}

/**
 * Upstream allows a running pod's spec to change only in images, activeDeadlineSeconds,
 * tolerations (additions) and terminationGracePeriodSeconds; anything else is Forbidden.
 */
export function validatePodSpecUpdate(errs: Errs, spec: unknown, old: unknown): void {
  if (!isObject(spec) || !isObject(old)) return;
  const strip = (s: JsonObject) => {
    const copy = structuredClone(s);
    for (const list of ['containers', 'initContainers'] as const satisfies Keys<PodSpec>) {
      const cs = copy[list];
      if (Array.isArray(cs)) for (const c of cs) if (isObject(c)) delete c.image;
    }
    delete copy.activeDeadlineSeconds;
    delete copy.tolerations;
    delete copy.terminationGracePeriodSeconds;
    return copy;
  };
  if (!sameJson(strip(spec), strip(old))) {
    errs.push({
      reason: 'FieldValueForbidden',
      field: 'spec',
      message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    });
  }
}

/** Whether two values are the same JSON whatever their key order (undefined members count as absent, as in JSON). */
export const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)]));
}
