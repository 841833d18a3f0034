import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toHostError } from '../errors.js';
import { native } from '../native.js';
import type { NamespacePins, Netns } from './types.js';
import { checkPins } from './validate.js';

export class RealNetns implements Netns {
  private readonly sharedDirs = new Map<string, Promise<void>>();

  async create(pins: NamespacePins): Promise<void> {
    const paths = checkPins(pins);
    await Promise.all([...new Set(paths.map(([, p]) => dirname(p)))].map((dir) => this.sharedDir(dir)));
    try {
      await native().nsPin(pins.net ?? null, pins.ipc ?? null, pins.uts ?? null, pins.hostname ?? null);
    } catch (err) {
      throw toHostError(err);
    }
  }

  /**
   * Makes the pin directory a shared mount point, as `ip netns add` does with /run/netns:
   * a mount namespace created later (a container's) then sees an unpin too, instead of
   * keeping a copy of the pin that holds the namespace alive.
   */
  private sharedDir(dir: string): Promise<void> {
    let done = this.sharedDirs.get(dir);
    if (!done) {
      done = (async () => {
        const { MS } = native();
        await mkdir(dir, { recursive: true });
        try {
          await native().mount('', dir, null, MS.SHARED | MS.REC, null);
        } catch (err) {
          if (toHostError(err).code !== 'EINVAL') throw toHostError(err);
          await native().mount(dir, dir, null, MS.BIND | MS.REC, null); // not yet a mount point
          await native().mount('', dir, null, MS.SHARED | MS.REC, null);
        }
      })().catch((err) => {
        this.sharedDirs.delete(dir);
        throw toHostError(err);
      });
      this.sharedDirs.set(dir, done);
    }
    return done;
  }

  async remove(path: string): Promise<void> {
    try {
      await native().nsUnpin(path);
    } catch (err) {
      throw toHostError(err);
    }
  }

  async exists(path: string): Promise<boolean> {
    // A live pin is an nsfs mount: its device differs from its directory's.
    try {
      const [pin, dir] = await Promise.all([stat(path, { bigint: true }), stat(dirname(path), { bigint: true })]);
      return pin.dev !== dir.dev;
    } catch {
      return false;
    }
  }
}
