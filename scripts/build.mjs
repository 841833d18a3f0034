// Bundles the entry points with esbuild (types are checked separately by `tsc --noEmit`):
//   dist/cli/skiff.js              the skiff binary (ESM)
//   dist/cli/yaml-worker.js        the apiserver's YAML parsing thread
//   dist/cni/skiff-<name>          a copy of build/Release/cni-shim (native/cni-shim.c): forwards
//                                  the call to `skiff cni-server`, or runs the bundle below
//   dist/cni/.js/skiff-<name>.js   one bundle per cni-plugins/<name>/main.ts (CommonJS)
// One file per entry spares Node the resolution and loading of many modules at start,
// which is most of an exec'd CNI plugin's run time when no daemon answers.
import { chmod, copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', sourcemap: 'linked' };

async function cli() {
  const { metafile } = await build({
    ...common,
    // The apiserver parses big YAML bodies on a worker thread (src/api/yaml-offload.ts), which
    // loads dist/cli/yaml-worker.js.
    entryPoints: { skiff: `${root}src/cli/skiff.ts`, 'yaml-worker': `${root}src/api/yaml-worker.ts` },
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
    metafile: true,
  });
  await chmod(`${root}dist/cli/skiff.js`, 0o755);
  // Chunk names carry content hashes: without this, every build leaves the previous ones behind.
  const current = new Set(Object.keys(metafile.outputs).map((f) => f.split('/').pop()));
  const chunks = `${root}dist/cli/chunks`;
  await Promise.all((await readdir(chunks)).filter((f) => !current.has(f)).map((f) => rm(`${chunks}/${f}`, { force: true })));
}

async function plugins() {
  const out = `${root}dist/cni`;
  const shim = `${root}build/Release/cni-shim`;
  await mkdir(`${out}/.js`, { recursive: true });
  // The bundles' folder follows the nearest package.json: these are CommonJS.
  await writeFile(`${out}/.js/package.json`, '{ "type": "commonjs" }\n');
  await rm(`${out}/package.json`, { force: true }); // the extensionless executables are no JS anymore
  const dirs = await readdir(`${root}cni-plugins`, { withFileTypes: true });
  const names = [];
  for (const d of dirs) {
    if (!d.isDirectory() || !(await readdir(`${root}cni-plugins/${d.name}`)).includes('main.ts')) continue;
    names.push(d.name);
  }
  await Promise.all(names.map(async (name) => {
    const exe = `skiff-${name}`;
    await build({
      ...common,
      sourcemap: false,
      entryPoints: [`${root}cni-plugins/${name}/main.ts`],
      outfile: `${out}/.js/${exe}.js`,
      format: 'cjs',
      // The bundle stands in for the executable the runtime ran: argv[1] and import.meta.url
      // name that executable, so what is looked for beside it (skiff.node, see
      // src/host/native.ts) is found as when the bundle itself was the executable.
      banner: {
        js: `#!/usr/bin/env node\nprocess.argv[1] = require("node:path").join(__dirname, "..", ${JSON.stringify(exe)});\n`
          + 'const __skiff_url = require("node:url").pathToFileURL(process.argv[1]).href;',
      },
      define: { 'import.meta.url': '__skiff_url' },
    });
    // A copy, not a link: runtimes copy plugin files into their own bin dir. Written under a
    // temp name and renamed over the old one: copying onto an executable that a runtime is
    // running fails with ETXTBSY, and a runtime must never exec a half-written file.
    const temp = `${out}/.${exe}.${process.pid}.tmp`;
    try {
      await copyFile(shim, temp).catch((err) => {
        if (err.code !== 'ENOENT') throw err;
        throw new Error(`${shim} is missing: run \`npm run build:native\` first (${err.message})`);
      });
      await chmod(temp, 0o755);
      await rename(temp, `${out}/${exe}`);
    } finally {
      await rm(temp, { force: true });
    }
  }));
  return names;
}

const [, names] = await Promise.all([cli(), plugins()]);
console.log(`built dist/cli/skiff.js and ${names.map((n) => `dist/cni/skiff-${n}`).join(', ')} (the shim, with bundles in dist/cni/.js)`);
