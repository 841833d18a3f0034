import test from 'ava';
import { fakeHost } from '../../src/host/index.js';
import { mountContract } from '../contract/mount.case.js';
import { netlinkContract } from '../contract/netlink.case.js';
import { netnsContract } from '../contract/netns.case.js';
import { nftContract } from '../contract/nft.case.js';

// The contract suites against the fake kernel: no root needed.
const env = { name: 'fake', host: fakeHost(), pinDir: '/run/fake-netns', real: false };
netlinkContract(test, env);
netnsContract(test, env);
mountContract(test, env);
nftContract(test, env);
