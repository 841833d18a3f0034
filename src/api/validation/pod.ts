// PodSpec validation (upstream pkg/apis/core/validation: ValidatePodSpec and its parts), the
// checks users hit in practice: containers, names, images, ports, enums, resources, volumes.
import { duplicate, type Errs, invalid, isInt, isObj, labelProblems, notSupported, parseQuantity, QUANTITY_MESSAGE, required } from './field.js';

const RESTART = ['Always', 'OnFailure', 'Never'];
const DNS = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE = ['File', 'FallbackToLogsOnError'];

export function validPort(errs: Errs, field: string, port: unknown): void {
  if (!isInt(port) || port < 1 || port > 65535) errs.push(invalid(field, port, 'must be between 1 and 65535, inclusive'));
}

function validResources(errs: Errs, field: string, r: unknown): void {
  if (!isObj(r)) return;
  const values: Record<string, Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    if (!isObj(r[kind])) continue;
    for (const [name, q] of Object.entries(r[kind])) {
      const f = `${field}.${kind}[${name}]`;
      const v = parseQuantity(q);
      if (v === undefined) errs.push(invalid(f, q, QUANTITY_MESSAGE));
      else if (v < 0) errs.push(invalid(f, q, 'must be greater than or equal to 0'));
      else values[kind]![name] = v;
    }
  }
  for (const [name, req] of Object.entries(values.requests!)) {
    const lim = values.limits![name];
    if (lim !== undefined && req > lim) errs.push(invalid(`${field}.requests[${name}]`, r.requests[name], `must be less than or equal to ${name} limit of ${r.limits[name]}`));
  }
}

function validContainer(errs: Errs, field: string, c: unknown, volumes: Set<string>): void {
  if (!isObj(c)) return void errs.push(required(field));
  if (!c.name) errs.push(required(`${field}.name`));
  else if (typeof c.name === 'string') for (const m of labelProblems(c.name)) errs.push(invalid(`${field}.name`, c.name, m));
  if (!c.image || (typeof c.image === 'string' && c.image.trim() === '')) errs.push(required(`${field}.image`));
  if (c.imagePullPolicy !== undefined && !PULL.includes(c.imagePullPolicy)) errs.push(notSupported(`${field}.imagePullPolicy`, c.imagePullPolicy, PULL));
  if (c.terminationMessagePolicy !== undefined && !TERMINATION_MESSAGE.includes(c.terminationMessagePolicy)) errs.push(notSupported(`${field}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE));
  const portNames = new Set<string>();
  if (Array.isArray(c.ports)) {
    c.ports.forEach((p: any, i: number) => {
      const pf = `${field}.ports[${i}]`;
      if (!isObj(p)) return;
      if (p.containerPort === undefined) errs.push(required(`${pf}.containerPort`));
      else validPort(errs, `${pf}.containerPort`, p.containerPort);
      if (p.hostPort !== undefined && p.hostPort !== 0) validPort(errs, `${pf}.hostPort`, p.hostPort);
      if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${pf}.protocol`, p.protocol, PROTOCOLS));
      if (typeof p.name === 'string' && p.name) {
        if (portNames.has(p.name)) errs.push(duplicate(`${pf}.name`, p.name));
        portNames.add(p.name);
      }
    });
  }
  if (Array.isArray(c.env)) {
    c.env.forEach((e: any, i: number) => {
      if (isObj(e) && !e.name) errs.push(required(`${field}.env[${i}].name`));
    });
  }
  if (Array.isArray(c.volumeMounts)) {
    c.volumeMounts.forEach((m: any, i: number) => {
      if (!isObj(m)) return;
      const mf = `${field}.volumeMounts[${i}]`;
      if (!m.name) errs.push(required(`${mf}.name`));
      else if (!volumes.has(m.name)) errs.push({ reason: 'FieldValueNotFound', message: `Not found: ${JSON.stringify(m.name)}`, field: `${mf}.name` });
      if (!m.mountPath) errs.push(required(`${mf}.mountPath`));
    });
  }
  validResources(errs, `${field}.resources`, c.resources);
}

/** Validates a PodSpec at `field` ('spec' for pods, 'spec.template.spec' for workloads). */
export function validatePodSpec(errs: Errs, field: string, spec: unknown): void {
  if (!isObj(spec)) return void errs.push(required(field));
  const volumes = new Set<string>();
  if (Array.isArray(spec.volumes)) {
    spec.volumes.forEach((v: any, i: number) => {
      const vf = `${field}.volumes[${i}]`;
      if (!isObj(v)) return;
      if (!v.name) errs.push(required(`${vf}.name`));
      else {
        for (const m of labelProblems(String(v.name))) errs.push(invalid(`${vf}.name`, v.name, m));
        if (volumes.has(v.name)) errs.push(duplicate(`${vf}.name`, v.name));
        volumes.add(v.name);
      }
    });
  }
  const names = new Set<string>();
  const eachContainer = (list: string, requiredList: boolean) => {
    const cs = spec[list];
    if (cs === undefined || cs === null || (Array.isArray(cs) && cs.length === 0)) {
      if (requiredList) errs.push(required(`${field}.${list}`));
      return;
    }
    if (!Array.isArray(cs)) return void errs.push(invalid(`${field}.${list}`, cs, 'must be a list'));
    cs.forEach((c: any, i: number) => {
      validContainer(errs, `${field}.${list}[${i}]`, c, volumes);
      if (isObj(c) && typeof c.name === 'string' && c.name) {
        if (names.has(c.name)) errs.push(duplicate(`${field}.${list}[${i}].name`, c.name));
        names.add(c.name);
      }
    });
  };
  eachContainer('containers', true);
  eachContainer('initContainers', false);
  if (spec.restartPolicy !== undefined && !RESTART.includes(spec.restartPolicy)) errs.push(notSupported(`${field}.restartPolicy`, spec.restartPolicy, RESTART));
  if (spec.dnsPolicy !== undefined && !DNS.includes(spec.dnsPolicy)) errs.push(notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, DNS));
  if (spec.terminationGracePeriodSeconds != null && (!isInt(spec.terminationGracePeriodSeconds) || spec.terminationGracePeriodSeconds < 0)) {
    errs.push(invalid(`${field}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  if (spec.activeDeadlineSeconds != null && (!isInt(spec.activeDeadlineSeconds) || spec.activeDeadlineSeconds < 1)) {
    errs.push(invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
}

/**
 * Upstream allows a running pod's spec to change only in images, activeDeadlineSeconds,
 * tolerations (additions) and terminationGracePeriodSeconds; anything else is Forbidden.
 */
export function validatePodSpecUpdate(errs: Errs, spec: any, old: any): void {
  if (!isObj(spec) || !isObj(old)) return;
  const strip = (s: any) => {
    const copy = structuredClone(s);
    for (const list of ['containers', 'initContainers']) if (Array.isArray(copy[list])) for (const c of copy[list]) if (isObj(c)) delete c.image;
    delete copy.activeDeadlineSeconds;
    delete copy.tolerations;
    delete copy.terminationGracePeriodSeconds;
    return JSON.stringify(sortKeys(copy));
  };
  if (strip(spec) !== strip(old)) {
    errs.push({
      reason: 'FieldValueForbidden',
      field: 'spec',
      message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    });
  }
}

export function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObj(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
}
