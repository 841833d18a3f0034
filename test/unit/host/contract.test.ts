import test from 'ava';
import { FakeKernel } from '../../../src/host/fake-kernel.js';
import { fakeHost } from '../../../src/host/index.js';
import { mountContract } from '../../contract/mount.case.js';
import { bridgeVlanContract, netlinkContract } from '../../contract/netlink.case.js';
import { netnsContract } from '../../contract/netns.case.js';
import { nftContract } from '../../contract/nft.case.js';

// The contract suites against the fake kernel: no root needed.
const env = { name: 'fake', host: fakeHost(), pinDir: '/run/fake-netns', real: false, bridgeVlans: true };
netlinkContract(test, env);
netnsContract(test, env);
mountContract(test, env);
nftContract(test, env);
// A kernel built without bridge VLAN filtering, like this project's VMs.
bridgeVlanContract(test, { name: 'fake-novlan', host: fakeHost(new FakeKernel({ bridgeVlanFiltering: false })), pinDir: '/run/fake-netns', real: false, bridgeVlans: false });
