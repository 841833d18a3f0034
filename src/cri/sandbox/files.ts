// The pod's /etc/hostname, /etc/hosts and /etc/resolv.conf, written once into the sandbox
// directory; the container layer bind-mounts them into every container (the kubelet may
// bring its own /etc/hosts mount, which wins).
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Files } from '../../host/files/types.js';
import type { DNSConfig__Output } from '../gen/runtime/v1/DNSConfig.js';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';

/** The node's own files, taken as they are for host-network pods and when no DNS is given. */
export interface HostEtc {
  hostsFile: string;
  resolvConf: string;
  hostname(): string;
}

export const HOST_ETC: HostEtc = { hostsFile: '/etc/hosts', resolvConf: '/etc/resolv.conf', hostname: osHostname };

/** What a pod with a network of its own finds in /etc/hosts (containerd's and docker's default). */
export const DEFAULT_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
  '',
].join('\n');

export interface PodFiles {
  /** The name the pod answers to: config.hostname, or the node's for a host-network pod. */
  hostname: string;
  hostnameFile: string;
  hostsFile: string;
  resolvConf: string;
}

/**
 * resolv.conf from the pod's DNS config (search, nameservers, options, in containerd's order),
 * or undefined when the config says nothing, which means: the node's resolv.conf.
 */
export function resolvConfContent(dns: DNSConfig__Output | null): string | undefined {
  if (!dns) return undefined;
  let text = '';
  if (dns.searches.length) text += `search ${dns.searches.join(' ')}\n`;
  for (const server of dns.servers) text += `nameserver ${server}\n`;
  if (dns.options.length) text += `options ${dns.options.join(' ')}\n`;
  return text || undefined;
}

/** The pod's hostname: a host-network pod shares the node's uts namespace, so it is the node's name. */
export function podHostname(config: PodSandboxConfig__Output, hostNetwork: boolean, etc: HostEtc = HOST_ETC): string {
  return hostNetwork || !config.hostname ? etc.hostname() : config.hostname;
}

/**
 * Writes hostname, hosts and resolv.conf into `dir` (which must exist), each 0644.
 * Rejects with the HostError of the write (ENOENT when the node's /etc/hosts or /etc/resolv.conf to copy
 * is missing); a partly written set is removed with `dir` by the caller.
 */
export async function writePodFiles(fs: Files, dir: string, config: PodSandboxConfig__Output, hostNetwork: boolean, etc: HostEtc = HOST_ETC): Promise<PodFiles> {
  const files: PodFiles = {
    hostname: podHostname(config, hostNetwork, etc),
    hostnameFile: join(dir, 'hostname'),
    hostsFile: join(dir, 'hosts'),
    resolvConf: join(dir, 'resolv.conf'),
  };
  await fs.write(files.hostnameFile, `${files.hostname}\n`);
  if (hostNetwork) await fs.copy(etc.hostsFile, files.hostsFile);
  else await fs.write(files.hostsFile, DEFAULT_HOSTS);
  const resolv = resolvConfContent(config.dnsConfig);
  if (resolv === undefined) await fs.copy(etc.resolvConf, files.resolvConf);
  else await fs.write(files.resolvConf, resolv);
  // The mode given at creation is cut by the umask, and a copy takes its source's mode.
  await Promise.all([files.hostnameFile, files.hostsFile, files.resolvConf].map((f) => fs.chmod(f, 0o644)));
  return files;
}
