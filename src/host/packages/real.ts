// Packages as Node resolves them from this module (the repository's node_modules, or the one
// beside the bundle).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PackageFiles } from './types.js';

export class RealPackageFiles implements PackageFiles {
  readonly #roots = new Map<string, string>();

  list(pkg: string, dir = ''): string[] {
    const out: string[] = [];
    const walk = (rel: string): void => {
      for (const entry of readdirSync(join(this.#root(pkg), rel), { withFileTypes: true })) {
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules') walk(path);
        } else out.push(path);
      }
    };
    walk(dir);
    return out.sort();
  }

  read(pkg: string, path: string): string | undefined {
    try {
      return readFileSync(join(this.#root(pkg), path), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  #root(pkg: string): string {
    let root = this.#roots.get(pkg);
    if (!root) {
      root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
      this.#roots.set(pkg, root);
    }
    return root;
  }
}
