// The node CIDRs of one cluster CIDR, as upstream's range allocator keeps them
// (pkg/controller/nodeipam/ipam/cidrset): the cluster CIDR cut into blocks of the node mask
// size, a block in use or free, the next allocation searched from just after the previous one
// so a released block is not handed out again at once. Pure: the controller feeds it.
import ipaddr from 'ipaddr.js';

/** Upstream caps an IPv6 set at 2^16 blocks (its bitmap); kept for the same answer. */
const MAX_IPV6_SUBNET_BITS = 16;

/** Every block is in use (upstream's ErrCIDRRangeNoCIDRsRemaining, same words). */
export class NoCidrsRemainingError extends Error {
  override readonly name = 'NoCidrsRemainingError';
  constructor() {
    super('CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range');
  }
}

interface Parsed {
  readonly network: bigint;
  readonly prefix: number;
  readonly width: 32 | 128;
}

/** A CIDR as network value, prefix length and family width; the host bits are masked off. Throws Error for anything else. */
export function parseNetwork(cidr: string): Parsed {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  try {
    [addr, prefix] = ipaddr.parseCIDR(cidr);
  } catch {
    throw new Error(`invalid CIDR address: ${cidr}`);
  }
  const width = addr.kind() === 'ipv4' ? 32 : 128;
  const value = addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const host = BigInt(width - prefix);
  return { network: (value >> host) << host, prefix, width };
}

function format(value: bigint, width: 32 | 128, prefix: number): string {
  const bytes: number[] = [];
  for (let i = 0; i < width / 8; i++) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${prefix}`;
}

export class CidrSet {
  readonly #cluster: Parsed;
  readonly #nodeMaskSize: number;
  readonly #max: number;
  readonly #used = new Set<number>();
  #next = 0;

  /**
   * Throws Error when clusterCidr is not a CIDR, when nodeMaskSize is smaller than its prefix
   * or longer than the address, or (IPv6) more than 16 bits longer (upstream's limit).
   */
  constructor(readonly clusterCidr: string, nodeMaskSize: number) {
    this.#cluster = parseNetwork(clusterCidr);
    const { prefix, width } = this.#cluster;
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize > width) throw new Error(`node CIDR mask size ${nodeMaskSize} is not a mask size for ${clusterCidr}`);
    if (nodeMaskSize < prefix) throw new Error(`invalid --cluster-cidr ${clusterCidr}: its mask size must be less than or equal to --node-cidr-mask-size (${nodeMaskSize})`);
    if (width === 128 && nodeMaskSize - prefix > MAX_IPV6_SUBNET_BITS) throw new Error('New CIDR set failed; the node CIDR size is too big');
    this.#nodeMaskSize = nodeMaskSize;
    this.#max = 2 ** (nodeMaskSize - prefix);
  }

  /** How many blocks are in use. */
  get allocated(): number {
    return this.#used.size;
  }

  /** Takes the next free block after the last one taken, wrapping around. Throws NoCidrsRemainingError. */
  allocateNext(): string {
    if (this.#used.size >= this.#max) throw new NoCidrsRemainingError();
    let candidate = this.#next;
    while (this.#used.has(candidate)) candidate = (candidate + 1) % this.#max;
    this.#used.add(candidate);
    this.#next = (candidate + 1) % this.#max;
    return this.#blockAt(candidate);
  }

  /** Marks every block cidr covers as in use (already in use is fine). Throws Error when cidr is not a CIDR of this range. */
  occupy(cidr: string): void {
    for (const i of this.#indices(cidr)) this.#used.add(i);
  }

  /** Frees every block cidr covers (already free is fine). Throws Error when cidr is not a CIDR of this range. */
  release(cidr: string): void {
    for (const i of this.#indices(cidr)) this.#used.delete(i);
  }

  #blockAt(index: number): string {
    const { network, width } = this.#cluster;
    return format(network | (BigInt(index) << BigInt(width - this.#nodeMaskSize)), width, this.#nodeMaskSize);
  }

  /** The blocks cidr covers: one when it is a block (or inside one), all of them when it is the cluster CIDR or wider. */
  #indices(cidr: string): number[] {
    const c = parseNetwork(cidr);
    const { network, prefix, width } = this.#cluster;
    const overlaps = c.width === width && (c.prefix <= prefix ? network >> BigInt(width - c.prefix) === c.network >> BigInt(width - c.prefix) : c.network >> BigInt(width - prefix) === network >> BigInt(width - prefix));
    if (!overlaps) throw new Error(`cidr ${cidr} is out the range of cluster cidr ${this.clusterCidr}`);
    if (c.prefix <= prefix) return Array.from({ length: this.#max }, (_, i) => i);
    const shift = BigInt(width - this.#nodeMaskSize);
    const offset = (c.network - network) >> shift;
    const last = (c.network + (1n << BigInt(width - c.prefix)) - 1n - network) >> shift;
    const out: number[] = [];
    for (let i = offset; i <= last; i++) out.push(Number(i));
    return out;
  }
}
