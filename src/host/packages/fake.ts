import type { PackageFiles } from './types.js';

/** Packages held in memory: package name → (relative path → text). */
export class FakePackageFiles implements PackageFiles {
  constructor(private readonly packages: ReadonlyMap<string, ReadonlyMap<string, string>>) {}

  list(pkg: string, dir = ''): string[] {
    const files = this.packages.get(pkg);
    if (!files) throw new Error(`Cannot find package '${pkg}'`);
    const prefix = dir ? `${dir}/` : '';
    const out = [...files.keys()].filter((p) => p.startsWith(prefix) && !p.split('/').includes('node_modules'));
    if (dir && out.length === 0) throw new Error(`ENOENT: no such directory ${pkg}/${dir}`);
    return out.sort();
  }

  read(pkg: string, path: string): string | undefined {
    return this.packages.get(pkg)?.get(path);
  }
}
