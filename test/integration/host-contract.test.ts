import test from 'ava';
import { realHost } from '../../src/host/index.js';
import { mountContract } from '../contract/mount.case.js';
import { netlinkContract } from '../contract/netlink.case.js';
import { netnsContract } from '../contract/netns.case.js';
import { nftContract } from '../contract/nft.case.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// The same suites against the real kernel, inside throwaway namespaces pinned under /run/netns.
const env = { name: 'real', host: realHost(), pinDir: '/run/netns', real: true };
const t = rootOnly(test);
if (isRoot) {
  netlinkContract(t, env);
  netnsContract(t, env);
  mountContract(t, env);
  nftContract(t, env);
}
