// A pod's resolver configuration from its dnsPolicy and dnsConfig, as upstream's
// pkg/kubelet/network/dns GetPodDNS decides it: ClusterFirst points at the cluster DNS with the
// namespace's search path, Default copies the node's resolv.conf, None takes dnsConfig only.
import type { Pod } from '../../api/types.js';

export interface ResolvConf {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface DnsContext {
  clusterDns: readonly string[];
  clusterDomain: string;
  /** The node's /etc/resolv.conf, parsed. */
  host: ResolvConf;
}

/** Upstream's limit on search domains (MaxDNSSearchPaths); resolvers ignore the rest anyway. */
const MAX_SEARCHES = 32;

/** nameserver, search (last line wins, as in resolv.conf(5)) and options lines; comments and the rest ignored. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...fields] = line.split(/\s+/);
    if (key === 'nameserver' && fields[0]) out.servers.push(fields[0]);
    else if (key === 'search') out.searches = fields;
    else if (key === 'options') out.options.push(...fields);
  }
  return out;
}

type DnsMode = 'cluster' | 'host' | 'none';

function modeOf(pod: Pod, ctx: DnsContext): DnsMode {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None') return 'none';
  if (policy === 'Default') return 'host';
  // ClusterFirst on the host network resolves as the node does; only ClusterFirstWithHostNet opts in.
  const cluster = policy === 'ClusterFirstWithHostNet' || !pod.spec?.hostNetwork;
  // Without a cluster DNS address upstream falls back to Default rather than leave the pod without DNS.
  return cluster && ctx.clusterDns.length > 0 ? 'cluster' : 'host';
}

/** The DNSConfig of the pod's sandbox. */
export function podDnsConfig(pod: Pod, ctx: DnsContext): ResolvConf {
  const mode = modeOf(pod, ctx);
  let conf: ResolvConf;
  if (mode === 'none') conf = { servers: [], searches: [], options: [] };
  else if (mode === 'host') conf = { servers: [...ctx.host.servers], searches: [...ctx.host.searches], options: [...ctx.host.options] };
  else {
    const ns = pod.metadata.namespace ?? 'default';
    const domain = ctx.clusterDomain;
    const cluster = domain ? [`${ns}.svc.${domain}`, `svc.${domain}`, domain] : [];
    conf = { servers: [...ctx.clusterDns], searches: [...cluster, ...ctx.host.searches], options: ['ndots:5'] };
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    conf.servers = unique([...conf.servers, ...(extra.nameservers ?? [])]);
    conf.searches = unique([...conf.searches, ...(extra.searches ?? [])]);
    conf.options = mergeOptions(conf.options, (extra.options ?? []).map((o) => (o.value !== undefined ? `${o.name ?? ''}:${o.value}` : o.name ?? '')).filter((o) => o !== ''));
  }
  conf.searches = conf.searches.slice(0, MAX_SEARCHES);
  return conf;
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** Options by name; a later one (the pod's dnsConfig) replaces an earlier one of the same name. */
function mergeOptions(base: string[], over: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...over]) byName.set(o.split(':')[0]!, o);
  return [...byName.values()];
}
