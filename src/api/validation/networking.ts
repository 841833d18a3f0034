// networking.k8s.io kinds (upstream pkg/apis/networking/validation): Ingress rules, paths and
// backends; NetworkPolicy ports, peers and policy types.
import { dns1035Problems, type Errs, forbidden, invalid, isInt, isOneOf, notSupported, required, subdomainProblems } from './field.js';
import { cidrStrictSubset, isIpAddress, labelSelector, parseCidr, portNameProblems } from './common.js';
import { isObject, type JsonObject } from '../types.js';

const SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const WILDCARD_MESSAGE = `a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.${SUBDOMAIN}')`;

function hostProblems(host: string): string[] {
  if (!host.includes('*')) return subdomainProblems(host);
  const out: string[] = [];
  if (host.length > 253) out.push('must be no more than 253 characters');
  if (!new RegExp(`^\\*\\.${SUBDOMAIN}$`).test(host)) out.push(WILDCARD_MESSAGE);
  return out;
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const BAD_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const BAD_SUFFIXES = ['/..', '/.'];

function backend(errs: Errs, f: string, b: unknown): void {
  if (!isObject(b)) return;
  const svc = b.service;
  const res = b.resource;
  if (svc != null && res != null) return void errs.push(invalid(f, '', 'cannot set both resource and service backends'));
  if (isObject(res)) {
    if (!res.kind) errs.push(required(`${f}.resource.kind`, 'kind is required'));
    if (!res.name) errs.push(required(`${f}.resource.name`, 'name is required'));
    return;
  }
  if (!isObject(svc)) return void errs.push(invalid(f, '', 'resource or service backend is required'));
  if (!svc.name) errs.push(required(`${f}.service.name`));
  else for (const m of dns1035Problems(String(svc.name))) errs.push(invalid(`${f}.service.name`, svc.name, m));
  const port = isObject(svc.port) ? svc.port : {};
  const hasName = typeof port.name === 'string' && port.name.length > 0;
  const hasNumber = port.number != null && port.number !== 0;
  if (hasName && hasNumber) errs.push(invalid(f, '', 'cannot set both port name & port number'));
  else if (hasName) for (const m of portNameProblems(String(port.name))) errs.push(invalid(`${f}.service.port.name`, port.name, m));
  else if (hasNumber) {
    if (!isInt(port.number) || port.number < 1 || port.number > 65535) errs.push(invalid(`${f}.service.port.number`, port.number, 'must be between 1 and 65535, inclusive'));
  } else errs.push(required(f, 'port name or number is required'));
}

function httpPath(errs: Errs, f: string, p: JsonObject): void {
  if (p.pathType == null) return void errs.push(required(`${f}.pathType`, 'pathType must be specified'));
  const path = typeof p.path === 'string' ? p.path : '';
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!path.startsWith('/')) errs.push(invalid(`${f}.path`, path, 'must be an absolute path'));
    for (const seq of BAD_SEQUENCES) if (path.includes(seq)) errs.push(invalid(`${f}.path`, path, `must not contain '${seq}'`));
    for (const suf of BAD_SUFFIXES) if (path.endsWith(suf)) errs.push(invalid(`${f}.path`, path, `cannot end with '${suf}'`));
  } else if (p.pathType === 'ImplementationSpecific') {
    if (path && !path.startsWith('/')) errs.push(invalid(`${f}.path`, path, 'must be an absolute path'));
  } else errs.push(notSupported(`${f}.pathType`, p.pathType, PATH_TYPES));
  backend(errs, `${f}.backend`, p.backend);
}

/** An Ingress: a default backend or rules; hosts, paths and backends as upstream. */
export function validateIngress(errs: Errs, o: JsonObject): void {
  const s = o.spec;
  if (!isObject(s)) return void errs.push(required('spec'));
  const rules = Array.isArray(s.rules) ? s.rules : [];
  if (rules.length === 0 && s.defaultBackend == null) errs.push(invalid('spec', s.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  backend(errs, 'spec.defaultBackend', s.defaultBackend);
  rules.forEach((r, i) => {
    const f = `spec.rules[${i}]`;
    if (!isObject(r)) return;
    if (typeof r.host === 'string' && r.host) {
      if (isIpAddress(r.host)) errs.push(invalid(`${f}.host`, r.host, 'must be a DNS name, not an IP address'));
      for (const m of hostProblems(r.host)) errs.push(invalid(`${f}.host`, r.host, m));
    }
    if (!isObject(r.http)) return;
    const paths = Array.isArray(r.http.paths) ? r.http.paths : [];
    if (paths.length === 0) errs.push(required(`${f}.http.paths`));
    paths.forEach((p: unknown, j: number) => isObject(p) && httpPath(errs, `${f}.http.paths[${j}]`, p));
  });
  if (Array.isArray(s.tls)) s.tls.forEach((t, i) => {
    if (!isObject(t)) return;
    if (Array.isArray(t.hosts)) t.hosts.forEach((h: unknown, j: number) => {
      if (typeof h === 'string') for (const m of hostProblems(h)) errs.push(invalid(`spec.tls[${i}].hosts[${j}]`, h, m));
    });
    if (typeof t.secretName === 'string' && t.secretName) for (const m of subdomainProblems(t.secretName)) errs.push(invalid(`spec.tls[${i}].secretName`, t.secretName, m));
  });
  if (typeof s.ingressClassName === 'string') for (const m of subdomainProblems(s.ingressClassName)) errs.push(invalid('spec.ingressClassName', s.ingressClassName, m));
}

const NP_PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const CIDR_MESSAGE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function npPort(errs: Errs, f: string, p: JsonObject): void {
  if (p.protocol != null && !isOneOf(p.protocol, NP_PROTOCOLS)) errs.push(notSupported(`${f}.protocol`, p.protocol, NP_PROTOCOLS));
  if (p.port == null) {
    if (p.endPort != null) errs.push(invalid(`${f}.endPort`, p.endPort, 'may not be specified when `port` is not specified'));
    return;
  }
  if (typeof p.port === 'string') {
    if (p.endPort != null) errs.push(invalid(`${f}.endPort`, p.endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of portNameProblems(p.port)) errs.push(invalid(`${f}.port`, p.port, m));
    return;
  }
  if (!isInt(p.port) || p.port < 1 || p.port > 65535) errs.push(invalid(`${f}.port`, p.port, 'must be between 1 and 65535, inclusive'));
  if (p.endPort != null) {
    if (isInt(p.port) && isInt(p.endPort) && p.endPort < p.port) errs.push(invalid(`${f}.endPort`, p.endPort, 'must be greater than or equal to `port`'));
    if (!isInt(p.endPort) || p.endPort < 1 || p.endPort > 65535) errs.push(invalid(`${f}.endPort`, p.endPort, 'must be between 1 and 65535, inclusive'));
  }
}

function npPeer(errs: Errs, f: string, peer: JsonObject): void {
  let count = 0;
  if (peer.podSelector != null) count++, labelSelector(errs, `${f}.podSelector`, peer.podSelector);
  if (peer.namespaceSelector != null) count++, labelSelector(errs, `${f}.namespaceSelector`, peer.namespaceSelector);
  if (peer.ipBlock != null) {
    count++;
    const b = isObject(peer.ipBlock) ? peer.ipBlock : {};
    if (!b.cidr) errs.push(required(`${f}.ipBlock.cidr`));
    else {
      const outer = parseCidr(String(b.cidr));
      if (!outer) errs.push(invalid(`${f}.ipBlock.cidr`, b.cidr, CIDR_MESSAGE));
      else if (Array.isArray(b.except)) b.except.forEach((e: unknown, i: number) => {
        const ef = `${f}.ipBlock.except[${i}]`;
        const inner = typeof e === 'string' ? parseCidr(e) : undefined;
        if (!inner) errs.push(invalid(ef, e, CIDR_MESSAGE));
        else if (!cidrStrictSubset(inner, outer)) errs.push(invalid(ef, e, 'must be a strict subset of `cidr`'));
      });
    }
  }
  if (count === 0) errs.push(required(f, 'must specify a peer'));
  else if (count > 1 && peer.ipBlock != null) errs.push(forbidden(f, 'may not specify both ipBlock and another peer'));
}

/** A NetworkPolicy: selectors, ports, peers and policyTypes. */
export function validateNetworkPolicy(errs: Errs, o: JsonObject): void {
  const s = o.spec;
  if (!isObject(s)) return;
  labelSelector(errs, 'spec.podSelector', s.podSelector);
  for (const [dir, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const rules = s[dir];
    if (!Array.isArray(rules)) continue;
    rules.forEach((r, i) => {
      if (!isObject(r)) return;
      const f = `spec.${dir}[${i}]`;
      if (Array.isArray(r.ports)) r.ports.forEach((p, j) => isObject(p) && npPort(errs, `${f}.ports[${j}]`, p));
      const list = r[peers];
      if (Array.isArray(list)) list.forEach((p: unknown, j: number) => isObject(p) && npPeer(errs, `${f}.${peers}[${j}]`, p));
    });
  }
  if (Array.isArray(s.policyTypes)) {
    if (s.policyTypes.length > 2) return void errs.push(invalid('spec.policyTypes', s.policyTypes, 'may not specify more than two policyTypes'));
    s.policyTypes.forEach((t: unknown, i: number) => {
      if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
    });
  }
}
