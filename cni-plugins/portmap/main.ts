import { main } from '../../src/cni/skel.js';
import { RealNetlink } from '../../src/host/netlink/real.js';
import { RealConntrack, RealNft } from '../../src/host/nft/real.js';
import { RealSysctl } from '../../src/host/sysctl/real.js';
import { portmapPlugin } from './portmap.js';

void main(portmapPlugin({ nft: new RealNft(), conntrack: new RealConntrack(), netlink: new RealNetlink(), sysctl: new RealSysctl() }));
