import type { Attachment, IpConfig } from '../../src/cni/types.js';
import { networkOf, parseCidr } from '../../src/host/netlink/validate.js';
import { deleteTagged, notValid, ownerTag } from '../../src/host/nft/owner.js';
import { Transaction } from '../../src/host/nft/transaction.js';
import type { Nft } from '../../src/host/nft/types.js';
import type { Masquerade } from './bridge.js';

// ipMasq with nftables instead of the reference's iptables chain per container: one static
// table per family whose rule never changes; each pod adds two elements, tagged with its
// owner, and traffic from it to anywhere but its own network (or multicast) is masqueraded:
//
//   table ip skiff-bridge
//     set masq_src   { ipv4_addr }                        pod IPs
//     set masq_local { ipv4_addr . ipv4_addr; interval }  pod IP . its network
//     chain postrouting (nat, srcnat):
//       ip saddr @masq_src ip saddr . ip daddr != @masq_local ip daddr != 224.0.0.0/4 masquerade

export const TABLE = 'skiff-bridge';
const FAMILIES = [
  { ip: 4, family: 'ip', type: 'ipv4_addr', sel: 'ip', multicast: '224.0.0.0/4' },
  { ip: 6, family: 'ip6', type: 'ipv6_addr', sel: 'ip6', multicast: 'ff00::/8' },
] as const;

export function nftMasquerade(nft: Nft, hostNetns?: string): Masquerade {
  const tables = FAMILIES.map((f) => ({ family: f.family, table: TABLE }));
  return {
    async add(network, containerId, ifname, ips: readonly IpConfig[]) {
      const tag = ownerTag({ network, containerId, ifname });
      const tx = new Transaction();
      for (const f of FAMILIES) {
        const mine = ips.filter((ip) => parseCidr(ip.address, 'ip').family === f.ip);
        if (!mine.length) continue;
        const at = { family: f.family, table: TABLE } as const;
        tx.add({ kind: 'table', family: f.family, name: TABLE, comment: 'skiff-bridge: ipMasq of pods' })
          .add({ kind: 'set', ...at, name: 'masq_src', type: f.type })
          .add({ kind: 'set', ...at, name: 'masq_local', type: `${f.type} . ${f.type}`, flags: ['interval'] })
          .add({ kind: 'chain', ...at, name: 'postrouting', type: 'nat', hook: 'postrouting', priority: 'srcnat' })
          .flush({ kind: 'chain', ...at, name: 'postrouting' })
          .add({ kind: 'rule', ...at, chain: 'postrouting', rule: `${f.sel} saddr @masq_src ${f.sel} saddr . ${f.sel} daddr != @masq_local ${f.sel} daddr != ${f.multicast} masquerade` });
        for (const ip of mine) {
          const cidr = parseCidr(ip.address, 'ip');
          tx.add({ kind: 'element', ...at, set: 'masq_src', key: [cidr.address], comment: tag })
            .add({ kind: 'element', ...at, set: 'masq_local', key: [cidr.address, `${networkOf(cidr)}/${cidr.prefixLen}`], comment: tag });
        }
      }
      await nft.run(tx, hostNetns);
    },
    del: (network, containerId, ifname) => deleteTagged(nft, hostNetns, tables, (t) => t === ownerTag({ network, containerId, ifname })),
    gc: (network, valid: readonly Attachment[]) => deleteTagged(nft, hostNetns, tables, notValid(network, valid)),
  };
}
