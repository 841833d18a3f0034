// Bundles each plugin's main.ts into one file, dist/cni/skiff-<name>: any CNI runtime can
// exec it from CNI_PATH, and one file spares Node the module resolution of many at start.
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = `${root}dist/cni`;
await mkdir(out, { recursive: true });
// Extensionless files follow the nearest package.json: these are CommonJS bundles.
await writeFile(`${out}/package.json`, '{ "type": "commonjs" }\n');
const plugins = (await readdir(`${root}cni-plugins`, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
await Promise.all(plugins.map(async (name) => {
  const file = `${out}/skiff-${name}`;
  await build({
    entryPoints: [`${root}cni-plugins/${name}/main.ts`],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node\nconst __skiff_url = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__skiff_url' },
    logLevel: 'warning',
  });
  await chmod(file, 0o755);
}));
console.log(`cni plugins: ${plugins.map((p) => `skiff-${p}`).join(', ')} -> dist/cni/`);
