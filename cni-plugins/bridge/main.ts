import { ExecRunner } from '../../src/cni/exec.js';
import { main } from '../../src/cni/skel.js';
import { RealNetlink } from '../../src/host/netlink/real.js';
import { RealSysctl } from '../../src/host/sysctl/real.js';
import { bridgePlugin } from './bridge.js';

void main(bridgePlugin({ netlink: new RealNetlink(), sysctl: new RealSysctl(), runner: new ExecRunner() }));
