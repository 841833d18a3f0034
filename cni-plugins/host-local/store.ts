import { access, constants, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { systemClock, type Clock } from '../../src/host/clock.js';
import { join } from 'node:path';
import { formatAddr, parseAddr, type Addr } from './ip.js';

// The reservation store of one network, in the reference host-local's on-disk layout, so
// either implementation can read, extend and release what the other wrote:
//   <dataDir>/<network>/<ip>                   "<containerID>\r\n<ifname>" (older: "<containerID>")
//   <dataDir>/<network>/last_reserved_ip.<n>   the last address range set n handed out
//   <dataDir>/<network>/lock                   the reference's flock file; never touched here
//
// Locking: none. The reference serializes each command with flock(2) on `lock`; Node has no
// flock, and a lock file of our own (O_EXCL + stale-lock recovery) would make every ADD queue
// behind the others and add a crashed-holder failure mode, for nothing correctness needs:
// - an address is reserved by creating its file with O_EXCL, atomic across processes (ours
//   and the reference's alike), so two ADDs can never both win one address;
// - last_reserved_ip is only a hint for where the round-robin walk starts: it is replaced by
//   rename, so no reader sees a torn write, and a lost update costs one round-robin step;
// - a release re-reads the file right before unlinking it, so DEL and GC only remove a
//   reservation whose holder they have just seen. What remains is the microseconds between
//   that read and the unlink, in which another release of the same reservation and a new
//   ADD winning the address would both have to happen: the runtime does not run two
//   operations on one attachment at once, so this is accepted rather than locked against.

export interface Holder {
  containerId: string;
  /** Absent in the legacy format, which recorded only the container ID. */
  ifname?: string;
}

export interface Reservation extends Holder {
  ip: Addr;
  /** Empty file: being written by a concurrent ADD (recent) or left by a crash (containerId ''). */
  inFlight?: boolean;
}

export interface IpamStore {
  /** Every reserved address (containerId '' for an empty file). */
  list(): Promise<Reservation[]>;
  /** Creates the reservation unless the address is taken; false when it is. */
  reserve(ip: Addr, holder: Required<Holder>, rangeSet: number): Promise<boolean>;
  lastReserved(rangeSet: number): Promise<Addr | undefined>;
  /** Removes the reservation if `holder` (as listed) still holds it. */
  release(ip: Addr, holder: Holder): Promise<void>;
  /** Rejects when reservations cannot be written (STATUS). */
  probe(): Promise<void>;
}

const LAST_PREFIX = 'last_reserved_ip.';
/** An empty reservation younger than this is mid-write, not garbage. */
const IN_FLIGHT_MS = 60_000;
const READ_BATCH = 64;
let tmpSeq = 0;

export const encodeHolder = (h: Holder): string => (h.ifname === undefined ? h.containerId : `${h.containerId}\r\n${h.ifname}`);

/** Trimmed as the reference compares: a trailing newline from a hand edit still matches. */
export function decodeHolder(content: string): Holder {
  const text = content.trim();
  const sep = text.indexOf('\r\n');
  return sep < 0 ? { containerId: text } : { containerId: text.slice(0, sep), ifname: text.slice(sep + 2) };
}

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;

const discard = async (tmp: string | undefined): Promise<void> => {
  if (tmp) await rm(tmp, { force: true }).catch(() => {});
};

export class DiskStore implements IpamStore {
  constructor(
    /** <dataDir>/<network> */
    readonly dir: string,
    /** Ages an empty reservation file (one being written) against its mtime. */
    private readonly clock: Clock = systemClock,
  ) {}

  async list(): Promise<Reservation[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw err;
    }
    const all: (Reservation | undefined)[] = [];
    // In batches: thousands of reservations read at once would run out of file descriptors.
    for (let i = 0; i < names.length; i += READ_BATCH) all.push(...(await Promise.all(names.slice(i, i + READ_BATCH).map((n) => this.read(n)))));
    return all.filter((r): r is Reservation => r !== undefined);
  }

  private async read(name: string): Promise<Reservation | undefined> {
    const ip = parseAddr(name);
    if (!ip) return undefined; // lock, last_reserved_ip.*, temp files
    const file = join(this.dir, name);
    try {
      const content = await readFile(file, 'utf8');
      if (content.trim()) return { ip, ...decodeHolder(content) };
      const age = this.clock.now() - (await stat(file)).mtimeMs;
      return { ip, containerId: '', ...(age < IN_FLIGHT_MS ? { inFlight: true } : {}) };
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined; // released meanwhile
      throw err;
    }
  }

  async reserve(ip: Addr, holder: Required<Holder>, rangeSet: number): Promise<boolean> {
    const file = join(this.dir, formatAddr(ip));
    const fh = await this.create(file);
    if (!fh) return false;
    // The new hint goes to its temp file while the holder is written, and is renamed over
    // last_reserved_ip (overlapping the close) only once the holder is on disk: as before, the
    // hint never names an address whose holder is unwritten, with three steps fewer in a row.
    const staged = this.stageLast(rangeSet, ip);
    try {
      await fh.writeFile(encodeHolder(holder));
    } catch (err) {
      await fh.close().catch(() => {});
      await Promise.all([rm(file, { force: true }), staged.then(discard)]);
      throw err;
    }
    const [closed] = await Promise.allSettled([fh.close(), staged.then((tmp) => this.commitLast(tmp, rangeSet))]);
    if (closed.status === 'rejected') {
      await rm(file, { force: true });
      throw closed.reason;
    }
    return true;
  }

  /** The reservation file, created with O_EXCL; undefined when the address is taken. */
  private async create(file: string): Promise<FileHandle | undefined> {
    const create = () => open(file, 'wx', 0o644);
    try {
      return await create().catch(async (err) => {
        if (errno(err) !== 'ENOENT') throw err;
        // First reservation in this network: the directory is made on demand, so DEL or
        // CHECK of a network never used leaves nothing behind.
        await mkdir(this.dir, { recursive: true, mode: 0o755 });
        return create();
      });
    } catch (err) {
      if (errno(err) === 'EEXIST') return undefined;
      throw err;
    }
  }

  /**
   * Best effort, like commitLast: it is only a hint, and the reservation it describes stands.
   * Resolves with the temp file holding the new hint, or undefined when it could not be written.
   */
  private async stageLast(rangeSet: number, ip: Addr): Promise<string | undefined> {
    // Unique per process and call (the in-process runner runs several ADDs in one pid); the
    // leading '.' keeps readers from taking it for an address.
    const tmp = join(this.dir, `.${LAST_PREFIX}${rangeSet}.${process.pid}.${++tmpSeq}`);
    try {
      await writeFile(tmp, formatAddr(ip), { mode: 0o644 });
      return tmp;
    } catch {
      await discard(tmp);
      return undefined;
    }
  }

  private async commitLast(tmp: string | undefined, rangeSet: number): Promise<void> {
    if (!tmp) return;
    await rename(tmp, join(this.dir, `${LAST_PREFIX}${rangeSet}`)).catch(() => discard(tmp));
  }

  async lastReserved(rangeSet: number): Promise<Addr | undefined> {
    try {
      return parseAddr((await readFile(join(this.dir, `${LAST_PREFIX}${rangeSet}`), 'utf8')).trim());
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async release(ip: Addr, holder: Holder): Promise<void> {
    const file = join(this.dir, formatAddr(ip));
    try {
      if ((await readFile(file, 'utf8')).trim() !== encodeHolder(holder)) return; // re-reserved since listed
      await unlink(file);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
  }

  async probe(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    // access(2) reports EROFS for a read-only mount even to root; nothing is left behind.
    await access(this.dir, constants.W_OK);
  }
}

/** The same contract in memory, for tests that need no disk (or need to stage a race). */
export class MemoryStore implements IpamStore {
  readonly files = new Map<string, string>();
  readonly last = new Map<number, string>();

  async list(): Promise<Reservation[]> {
    return [...this.files].map(([name, content]) => ({ ip: parseAddr(name)!, ...decodeHolder(content) }));
  }

  async reserve(ip: Addr, holder: Required<Holder>, rangeSet: number): Promise<boolean> {
    const name = formatAddr(ip);
    if (this.files.has(name)) return false;
    this.files.set(name, encodeHolder(holder));
    this.last.set(rangeSet, name);
    return true;
  }

  async lastReserved(rangeSet: number): Promise<Addr | undefined> {
    return parseAddr(this.last.get(rangeSet));
  }

  async release(ip: Addr, holder: Holder): Promise<void> {
    const name = formatAddr(ip);
    if (this.files.get(name)?.trim() === encodeHolder(holder)) this.files.delete(name);
  }

  async probe(): Promise<void> {}
}
