import { ExecRunner, InProcessRunner } from '../../src/cni/exec.js';
import { main } from '../../src/cni/skel.js';
import { realFiles } from '../../src/host/files/real.js';
import { RealNetlink } from '../../src/host/netlink/real.js';
import { RealNft } from '../../src/host/nft/real.js';
import { RealSysctl } from '../../src/host/sysctl/real.js';
import { hostLocalPlugin } from '../host-local/host-local.js';
import { DiskStore } from '../host-local/store.js';
import { bridgePlugin } from './bridge.js';
import { nftMasquerade } from './nat.js';
import { nftSpoofCheck } from './spoof.js';

// skiff-host-local as the IPAM runs inside this process: one Node start-up per ADD, not two.
const ipam = hostLocalPlugin({ openStore: (dir) => new DiskStore(dir), readFile: (path) => realFiles.readText(path) });
const runner = new InProcessRunner(new Map([['skiff-host-local', ipam]]), new ExecRunner());
const nft = new RealNft();
void main(bridgePlugin({ netlink: new RealNetlink(), sysctl: new RealSysctl(), runner, masq: nftMasquerade(nft), spoof: nftSpoofCheck(nft) }));
