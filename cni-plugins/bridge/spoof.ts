import type { Attachment } from '../../src/cni/types.js';
import { deleteTagged, notValid, ownerTag } from '../../src/host/nft/owner.js';
import { Transaction } from '../../src/host/nft/transaction.js';
import type { Nft } from '../../src/host/nft/types.js';

// macspoofchk: frames entering the bridge from a pod's host veth must carry the pod's MAC.
// One static rule in the bridge family; each pod adds its veth to `guarded` and the
// (veth, MAC) pair to `allowed`, tagged with its owner:
//
//   table bridge skiff-macspoof
//     chain prerouting (filter, priority -300):
//       iifname @guarded iifname . ether saddr != @allowed drop

export const TABLE = 'skiff-macspoof';

export interface SpoofCheck {
  add(network: string, containerId: string, ifname: string, hostVeth: string, mac: string): Promise<void>;
  del(network: string, containerId: string, ifname: string): Promise<void>;
  gc(network: string, valid: readonly Attachment[]): Promise<void>;
}

export function nftSpoofCheck(nft: Nft, hostNetns?: string): SpoofCheck {
  const at = { family: 'bridge', table: TABLE } as const;
  return {
    async add(network, containerId, ifname, hostVeth, mac) {
      const tag = ownerTag({ network, containerId, ifname });
      await nft.run(new Transaction()
        .add({ kind: 'table', family: 'bridge', name: TABLE, comment: 'skiff-bridge: macspoofchk' })
        .add({ kind: 'set', ...at, name: 'guarded', type: 'ifname' })
        .add({ kind: 'set', ...at, name: 'allowed', type: 'ifname . ether_addr' })
        .add({ kind: 'chain', ...at, name: 'prerouting', type: 'filter', hook: 'prerouting', priority: -300 })
        .flush({ kind: 'chain', ...at, name: 'prerouting' })
        .add({ kind: 'rule', ...at, chain: 'prerouting', rule: 'iifname @guarded iifname . ether saddr != @allowed drop' })
        .add({ kind: 'element', ...at, set: 'guarded', key: [hostVeth], comment: tag })
        .add({ kind: 'element', ...at, set: 'allowed', key: [hostVeth, mac], comment: tag }), hostNetns);
    },
    del: (network, containerId, ifname) => deleteTagged(nft, hostNetns, [at], (t) => t === ownerTag({ network, containerId, ifname })),
    gc: (network, valid) => deleteTagged(nft, hostNetns, [at], notValid(network, valid)),
  };
}
