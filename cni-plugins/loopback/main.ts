import { main } from '../../src/cni/skel.js';
import { RealNetlink } from '../../src/host/netlink/real.js';
import { loopbackPlugin } from './loopback.js';

void main(loopbackPlugin({ netlink: new RealNetlink() }));
