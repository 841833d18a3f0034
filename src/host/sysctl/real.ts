import type { NativeOp } from '../../../native/binding.js';
import { toHostError } from '../errors.js';
import { native } from '../native.js';
import { sysctlPath } from '../netlink/validate.js';
import type { Sysctl } from './types.js';

/** Reads and writes /proc/sys from an addon thread inside the namespace. */
export class RealSysctl implements Sysctl {
  async get(key: string, netns?: string): Promise<string> {
    const [value] = await run(netns, { op: 'sysctlGet', path: sysctlPath(key) }, key);
    return value as string;
  }

  async set(key: string, value: string, netns?: string): Promise<void> {
    await run(netns, { op: 'sysctlSet', path: sysctlPath(key), value }, key);
  }
}

async function run(netns: string | undefined, op: NativeOp, key: string): Promise<unknown[]> {
  try {
    return await native().nsApply(netns ?? null, [op]);
  } catch (err) {
    const e = toHostError(err);
    e.message = `sysctl ${key}: ${e.message}`;
    throw e;
  }
}
