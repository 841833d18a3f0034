import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { build } from 'esbuild';

const root = new URL('../../..', import.meta.url).pathname;

// The CRI code bundled the way scripts/build.mjs bundles dist/cli/skiff.js, then run from
// a directory with no node_modules and no src/: the proto must come from inside the
// bundle, and int64 must keep its precision there (protobufjs finds long.js by require).
test('the esbuild bundle serves and calls CRI with nothing beside it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cri-bundle-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const outfile = join(dir, 'cri.mjs');
  await build({
    stdin: {
      resolveDir: root,
      sourcefile: 'entry.ts',
      loader: 'ts',
      contents: `
        import { serveCri } from './src/cri/server.js';
        import { criClient } from './src/cri/client.js';
        import { criDefinitions } from './src/cri/load.js';
        const server = await serveCri({ networkReady: async () => ({ ready: true }), cgroupDriver: 'systemd' }, ${JSON.stringify(join(dir, 'cri.sock'))});
        const client = criClient(server.socketPath);
        const version = await client.runtime.version({});
        const config = await client.runtime.runtimeConfig({});
        const def = criDefinitions().RuntimeService.PodSandboxStatus;
        const createdAt = def.responseDeserialize(def.responseSerialize({ status: { createdAt: '1700000000123456789' } })).status.createdAt;
        client.close();
        await server.close();
        console.log(JSON.stringify({ version, config, createdAt }));
      `,
    },
    bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile, logLevel: 'warning',
    banner: { js: 'import { createRequire as __skiffRequire } from "node:module";\nconst require = __skiffRequire(import.meta.url);' },
  });
  const run = spawnSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  t.is(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { version: { runtimeName: string }; config: { linux: { cgroupDriver: string } }; createdAt: string };
  t.is(out.version.runtimeName, 'skiff');
  t.is(out.config.linux.cgroupDriver, 'SYSTEMD');
  t.is(out.createdAt, '1700000000123456789');
});
