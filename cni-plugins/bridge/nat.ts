import type { Attachment, IpConfig } from '../../src/cni/types.js';
import { isNotFound } from '../../src/host/errors.js';
import { networkOf, parseCidr } from '../../src/host/netlink/validate.js';
import { networkTag, ownerTag } from '../../src/host/nft/owner.js';
import { Transaction } from '../../src/host/nft/transaction.js';
import type { Element, Family, Nft, TableContents } from '../../src/host/nft/types.js';
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
  const listed = (family: Family) => nft.listTable(family, TABLE, hostNetns).catch((err): undefined => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  /** Deletes the elements whose tag `drop` says to; none at all is fine. */
  async function sweep(drop: (tag: string | undefined) => boolean): Promise<void> {
    const tx = new Transaction();
    for (const f of FAMILIES) {
      const table: TableContents | undefined = await listed(f.family);
      for (const set of table?.sets ?? []) {
        for (const e of set.elements) if (drop(e.comment)) tx.delete({ kind: 'element', family: f.family, table: TABLE, set: set.name, key: e.key });
      }
    }
    await nft.run(tx, hostNetns);
  }

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
          const elements: Element[] = [
            { kind: 'element', ...at, set: 'masq_src', key: [cidr.address], comment: tag },
            { kind: 'element', ...at, set: 'masq_local', key: [cidr.address, `${networkOf(cidr)}/${cidr.prefixLen}`], comment: tag },
          ];
          for (const e of elements) tx.add(e);
        }
      }
      await nft.run(tx, hostNetns);
    },

    async del(network, containerId, ifname) {
      const tag = ownerTag({ network, containerId, ifname });
      await sweep((t) => t === tag);
    },

    async gc(network, valid: readonly Attachment[]) {
      const keep = new Set(valid.map((a) => ownerTag({ network, containerId: a.containerID, ifname: a.ifname })));
      const net = `${networkTag(network)}/`;
      await sweep((t) => t !== undefined && t.startsWith(net) && !keep.has(t));
    },
  };
}
