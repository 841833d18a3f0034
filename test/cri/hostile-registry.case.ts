import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ExecutionContext } from 'ava';
import type { CriError } from '../../src/cri/errors.js';
import type { CriFixture } from './fixtures.js';
import type { RegisterCases } from './suite.js';

// Registries that attack the puller (test/helpers/hostile-registry-main.ts, run in the node
// netns): what both runtimes refuse, and how many downloads they hold open at once.
// skiff-only behaviour (an endless body cut at the cap, the progress timeout containerd 1.6
// lacks, cancellation) is in test/unit/cri-registry-hostile.test.ts.

const MAIN = new URL('../helpers/hostile-registry-main.ts', import.meta.url).pathname;

interface Served {
  host: string;
  events: { method?: string; path?: string; inFlight?: number; hungUp?: string }[];
}

/** The scenario's registry in the node netns, killed by PID when the test ends. */
async function hostileRegistry(t: ExecutionContext, fx: CriFixture, scenario: string): Promise<Served> {
  const child = spawn('nsenter', [`--net=${fx.nodeNetns}`, process.execPath, '--import', 'tsx', MAIN, scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const served: Served = { host: '', events: [] };
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`hostile registry exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as Served['events'][number] & { host?: string };
      if (msg.host) {
        served.host = msg.host;
        resolve();
      } else {
        served.events.push(msg);
      }
    });
  });
  return served;
}

export const hostileRegistryCases: RegisterCases = (test, fx) => {
  test('a manifest declared larger than 4 MiB is refused unread', async (t) => {
    const reg = await hostileRegistry(t, fx(), 'big-manifest');
    const err = await t.throwsAsync<CriError>(fx().cri.image.pullImage({ image: { image: `${reg.host}/e/big:v1` } }));
    t.log(`${fx().name}: ${err?.kind}: ${err?.message}`);
    t.regex(err?.message ?? '', /rejecting 268435456 byte manifest/);
  });

  test('an index entry whose digest is a tag or a path is refused (by skiff before it is fetched)', async (t) => {
    const reg = await hostileRegistry(t, fx(), 'bad-index');
    for (const tag of ['tag', 'traversal']) {
      const err = await t.throwsAsync<CriError>(fx().cri.image.pullImage({ image: { image: `${reg.host}/e/app:${tag}` } }), undefined, tag);
      t.log(`${fx().name} ${tag}: ${err?.kind}: ${err?.message}`);
    }
    const fetched = reg.events.filter((e) => e.path).map((e) => `${e.method} ${e.path}`);
    t.log(fetched.join(', '));
    const followed = fetched.filter((p) => /\/manifests\/v1$/.test(p));
    // containerd 1.6 fetches both (the path normalized to /v2/e/other/...) and refuses them
    // only when committing ("unexpected commit digest"); skiff checks before any URL.
    if (fx().name === 'skiff') t.deepEqual(followed, [], 'neither the tag nor the other repository was fetched');
    else t.log(`${fx().name} fetched ${followed.join(', ')} before refusing`);
  });

  test('an image of 30 layers is downloaded at most 3 blobs at a time', async (t) => {
    const reg = await hostileRegistry(t, fx(), 'many-layers');
    const ref = `${reg.host}/e/many:v1`;
    t.teardown(() => fx().cri.image.removeImage({ image: { image: ref } }).then(() => undefined, () => undefined));
    await fx().cri.image.pullImage({ image: { image: ref } });
    const blobs = reg.events.filter((e) => e.path?.includes('/blobs/'));
    const most = Math.max(...blobs.map((e) => e.inFlight ?? 0));
    t.log(`${fx().name}: ${blobs.length} blob requests, at most ${most} at once`);
    t.true(most <= 3, `at most 3 at once, saw ${most}`);
  });
};
