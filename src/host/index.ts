// The host layer: the only code that touches the machine. Composition roots pick real or
// fake; everything else receives these seams in its deps.
import { FakeKernel } from './fake-kernel.js';
import { FakeMounter } from './mount/fake.js';
import { RealMounter } from './mount/real.js';
import type { Mounter } from './mount/types.js';
import { FakeNetlink } from './netlink/fake.js';
import { RealNetlink } from './netlink/real.js';
import type { Netlink } from './netlink/types.js';
import { FakeNetns } from './netns/fake.js';
import { RealNetns } from './netns/real.js';
import type { Netns } from './netns/types.js';
import { FakeConntrack, FakeNft } from './nft/fake.js';
import { RealConntrack, RealNft } from './nft/real.js';
import type { Conntrack, Nft } from './nft/types.js';
import { FakeSysctl } from './sysctl/fake.js';
import { RealSysctl } from './sysctl/real.js';
import type { Sysctl } from './sysctl/types.js';

export interface Host {
  netlink: Netlink;
  netns: Netns;
  sysctl: Sysctl;
  mounter: Mounter;
  nft: Nft;
  conntrack: Conntrack;
}

export function realHost(): Host {
  return {
    netlink: new RealNetlink(), netns: new RealNetns(), sysctl: new RealSysctl(), mounter: new RealMounter(),
    nft: new RealNft(), conntrack: new RealConntrack(),
  };
}

/** The fakes' own faces: FakeNft is what the packet tracer (nft/trace.ts) reads. */
export interface FakeHost extends Host {
  kernel: FakeKernel;
  nft: FakeNft;
  conntrack: FakeConntrack;
}

/** Seams over one shared kernel model, so they see each other's effects. */
export function fakeHost(kernel = new FakeKernel(), exists?: (path: string) => boolean): FakeHost {
  return {
    kernel, netlink: new FakeNetlink(kernel), netns: new FakeNetns(kernel), sysctl: new FakeSysctl(kernel), mounter: new FakeMounter(exists),
    nft: new FakeNft(kernel), conntrack: new FakeConntrack(kernel),
  };
}

export { HostError, isAlreadyExists, isBusy, isNotFound } from './errors.js';
export type { Conntrack, Mounter, Netlink, Netns, Nft, Sysctl };
