// A pod's DNS settings and host ports (upstream core validatePodDNSConfig and
// checkHostPortConflicts), with upstream's limits, which come from libc's resolver.
import { type Errs, duplicate, invalid, required, subdomainProblems } from './field.js';
import { isIpAddress } from './common.js';
import { isObject } from '../types.js';

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

/** spec.dnsConfig, with the dnsPolicy it goes with (None needs nameservers). */
export function validateDnsConfig(errs: Errs, field: string, config: unknown, dnsPolicy: unknown): void {
  if (dnsPolicy === 'None') {
    if (!isObject(config)) return void errs.push(required(field, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    if (!Array.isArray(config.nameservers) || config.nameservers.length === 0) {
      return void errs.push(required(`${field}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    }
  }
  if (!isObject(config)) return;
  const nameservers: unknown[] = Array.isArray(config.nameservers) ? config.nameservers : [];
  if (nameservers.length > MAX_NAMESERVERS) errs.push(invalid(`${field}.nameservers`, nameservers, `must not have more than ${MAX_NAMESERVERS} nameservers`));
  nameservers.forEach((ns, i) => {
    if (typeof ns !== 'string' || !isIpAddress(ns)) errs.push(invalid(`${field}.nameservers[${i}]`, ns, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  const searches: unknown[] = Array.isArray(config.searches) ? config.searches : [];
  if (searches.length > MAX_SEARCHES) errs.push(invalid(`${field}.searches`, searches, `must not have more than ${MAX_SEARCHES} search paths`));
  if (searches.join(' ').length > MAX_SEARCH_CHARS) {
    errs.push(invalid(`${field}.searches`, searches, `must not have more than ${MAX_SEARCH_CHARS} characters (including spaces) in the search list`));
  }
  searches.forEach((s, i) => {
    // A trailing dot (fully qualified) is fine.
    const name = String(s).replace(/\.$/, '');
    for (const m of subdomainProblems(name)) errs.push(invalid(`${field}.searches[${i}]`, name, m));
  });
  if (Array.isArray(config.options)) config.options.forEach((o, i) => {
    if (!isObject(o) || !o.name) errs.push(required(`${field}.options[${i}]`, 'Option.Name must not be empty'));
  });
}

/** No two containers (spec.containers only, as upstream) may take the same hostIP/protocol/hostPort. */
export function validateHostPorts(errs: Errs, field: string, containers: unknown): void {
  if (!Array.isArray(containers)) return;
  const taken = new Set<string>();
  containers.forEach((c, i) => {
    if (!isObject(c) || !Array.isArray(c.ports)) return;
    c.ports.forEach((p, j) => {
      if (!isObject(p) || !p.hostPort) return;
      const key = `${p.hostIP ?? ''}/${p.protocol ?? 'TCP'}/${p.hostPort}`;
      if (taken.has(key)) errs.push(duplicate(`${field}[${i}].ports[${j}].hostPort`, key));
      taken.add(key);
    });
  });
}
