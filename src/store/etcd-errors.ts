import { StoreError } from './types.js';

// etcd reports revision and size problems as gRPC errors whose messages are its API (the
// same strings etcd's Go client matches on); everything else is the store being unreachable.

/** Maps an etcd3 client error to the contract's StoreError. */
export function fromEtcd(err: unknown, revision?: number): StoreError {
  if (err instanceof StoreError) return err;
  const message = (err as Error)?.message ?? String(err);
  const details = revision === undefined ? {} : { revision };
  if (message.includes('required revision has been compacted')) return new StoreError('compacted', `etcd: ${message}`, details);
  if (message.includes('required revision is a future revision')) return new StoreError('futureRevision', `etcd: ${message}`, details);
  if (message.includes('request is too large')) return new StoreError('tooLarge', `etcd: ${message}`);
  return new StoreError('unavailable', `etcd: ${message}`);
}

/** The smallest byte string above every key that starts with prefix; [0] (etcd: "to the end") when there is none. */
export function bytePrefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
