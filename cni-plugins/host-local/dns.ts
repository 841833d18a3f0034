import type { Dns } from '../../src/cni/types.js';

/**
 * A resolv.conf as the reference host-local reads it for ipam.resolvConf: nameserver
 * lines add servers, the last domain line wins, search and options lines add their words.
 * Comments (#, ;) and lines without a value are skipped.
 */
export function parseResolvConf(text: string): Dns {
  const dns: Dns = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const [key, ...values] = trimmed.split(/\s+/);
    if (values.length === 0) continue;
    switch (key) {
      case 'nameserver': (dns.nameservers ??= []).push(values[0]!); break;
      case 'domain': dns.domain = values[0]!; break;
      case 'search': (dns.search ??= []).push(...values); break;
      case 'options': (dns.options ??= []).push(...values); break;
    }
  }
  return dns;
}
