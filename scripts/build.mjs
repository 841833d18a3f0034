// Bundles the entry points with esbuild (types are checked separately by `tsc --noEmit`):
//   dist/cli/skiff.js        the skiff binary (ESM)
//   dist/cni/skiff-<name>    one executable per cni-plugins/<name>/main.ts (CommonJS)
// One file per entry spares Node the resolution and loading of many modules at start,
// which is most of an exec'd CNI plugin's run time.
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', sourcemap: 'linked' };

async function cli() {
  await build({
    ...common,
    entryPoints: { skiff: `${root}src/cli/skiff.ts` },
    outdir: `${root}dist/cli`,
    format: 'esm',
    // Roles load their subsystems with import(): chunks, so `skiff --version` parses little.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // Native addons find their .node file relative to their own package (bindings), and etcd3
    // loads its .proto files from __dirname, jsonc-parser's UMD build requires its parts at
    // run time: load them from node_modules.
    external: ['better-sqlite3', 'etcd3', 'jsonc-parser'],
    // CommonJS dependencies (commander) call require(); give the ESM bundle one.
    banner: { js: '#!/usr/bin/env node\nimport { createRequire as __skiffRequire } from "node:module";\nconst require = __skiffRequire(import.meta.url);' },
  });
  await chmod(`${root}dist/cli/skiff.js`, 0o755);
}

async function plugins() {
  const out = `${root}dist/cni`;
  await mkdir(out, { recursive: true });
  // Extensionless files follow the nearest package.json: these are CommonJS bundles.
  await writeFile(`${out}/package.json`, '{ "type": "commonjs" }\n');
  const dirs = await readdir(`${root}cni-plugins`, { withFileTypes: true });
  const names = [];
  for (const d of dirs) {
    if (!d.isDirectory() || !(await readdir(`${root}cni-plugins/${d.name}`)).includes('main.ts')) continue;
    names.push(d.name);
  }
  await Promise.all(names.map(async (name) => {
    const file = `${out}/skiff-${name}`;
    await build({
      ...common,
      sourcemap: false,
      entryPoints: [`${root}cni-plugins/${name}/main.ts`],
      outfile: file,
      format: 'cjs',
      banner: { js: '#!/usr/bin/env node\nconst __skiff_url = require("node:url").pathToFileURL(__filename).href;' },
      define: { 'import.meta.url': '__skiff_url' },
    });
    await chmod(file, 0o755);
  }));
  return names;
}

const [, names] = await Promise.all([cli(), plugins()]);
console.log(`built dist/cli/skiff.js and ${names.map((n) => `dist/cni/skiff-${n}`).join(', ')}`);
