import { watch as fsWatch } from 'node:fs';
import { access, constants, readdir, readFile } from 'node:fs/promises';
import { toHostError } from '../errors.js';
import type { Files, Watch } from './types.js';

export class RealFiles implements Files {
  readText(path: string): Promise<string> {
    return readFile(path, 'utf8').catch((err: unknown) => Promise.reject(toHostError(err)));
  }

  list(dir: string): Promise<string[]> {
    return readdir(dir).catch((err: unknown) => Promise.reject(toHostError(err)));
  }

  executable(path: string): Promise<boolean> {
    return access(path, constants.X_OK).then(() => true, () => false);
  }

  watch(dir: string, onChange: () => void, onError: (err: Error) => void): Watch {
    try {
      // Not persistent: a watch alone must not keep a server role's process alive.
      const w = fsWatch(dir, { persistent: false }, () => onChange());
      w.on('error', (err) => onError(err));
      return { close: () => w.close() };
    } catch (err) {
      throw toHostError(err);
    }
  }
}

export const realFiles: Files = new RealFiles();
