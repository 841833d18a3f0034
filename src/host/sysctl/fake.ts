import { HostError } from '../errors.js';
import type { FakeKernel } from '../fake-kernel.js';
import { sysctlSet } from '../netlink/fake.js';
import { sysctlPath } from '../netlink/validate.js';
import type { Sysctl } from './types.js';

/** Sysctls of the fake kernel's namespaces (the same table the fake netlink writes). */
export class FakeSysctl implements Sysctl {
  constructor(readonly kernel: FakeKernel) {}

  async get(key: string, netns?: string): Promise<string> {
    const path = sysctlPath(key);
    const value = this.kernel.resolve(netns).sysctls.get(path);
    if (value === undefined) throw new HostError('ENOENT', `sysctl ${key}: No such file or directory`, 'open');
    return value;
  }

  async set(key: string, value: string, netns?: string): Promise<void> {
    sysctlSet(this.kernel.resolve(netns), sysctlPath(key), value);
  }
}
