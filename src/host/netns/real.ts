import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toHostError } from '../errors.js';
import { native } from '../native.js';
import type { NamespacePins, Netns } from './types.js';
import { checkPins } from './validate.js';

export class RealNetns implements Netns {
  async create(pins: NamespacePins): Promise<void> {
    const paths = checkPins(pins);
    await Promise.all(paths.map(([, p]) => mkdir(dirname(p), { recursive: true })));
    try {
      await native().nsPin(pins.net ?? null, pins.ipc ?? null, pins.uts ?? null, pins.hostname ?? null);
    } catch (err) {
      throw toHostError(err);
    }
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
