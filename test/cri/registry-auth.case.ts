import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CriError } from '../../src/cri/errors.js';
import { uniq } from '../helpers/names.js';
import { spawnRegistry } from '../helpers/registry.js';
import type { RegisterCases } from './suite.js';

// Registry credentials belong to the PullImage that carries them: after one caller pulls a
// private image with its password, callers with none or a wrong one are refused, and the
// registry never sees the first caller's credentials on their behalf (both runtimes).
// The image copied there has a config of its own: RemoveImage removes an image by id, with
// every tag, and busybox's id is what the other cases run.

export const registryAuthCases: RegisterCases = (test, fx) => {
  test('after a pull with credentials, pulls of the private image with none or wrong ones fail and send none of hers', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-cri-auth-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const alice = { username: 'alice', password: 's3cret' };
    const { child, host, log } = await spawnRegistry(dir, ['nsenter', `--net=${fx().nodeNetns}`], { auth: alice });
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const ref = `${await host}/private/${uniq()}:v1`;
    const copied = await fx().inNode(['skopeo', 'copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `docker://${fx().images.private}`, `docker://${ref}`], 60_000);
    if (copied.code !== 0) throw new Error(`skopeo copy: ${copied.stderr}`);
    t.teardown(() => fx().cri.image.removeImage({ image: { image: ref } }).then(() => undefined, () => undefined));
    const authorized = () => log().match(/msg="authorized request"/g)?.length ?? 0;

    const image = fx().cri.image;
    const { imageRef } = await image.pullImage({ image: { image: ref }, auth: alice });
    t.truthy(imageRef);
    for (const auth of [undefined, { username: 'alice', password: 'wrong' }, { auth: Buffer.from('mallory:s3cret').toString('base64') }]) {
      const before = authorized();
      const err = await t.throwsAsync<CriError>(image.pullImage({ image: { image: ref }, ...(auth ? { auth } : {}) }), undefined, JSON.stringify(auth));
      t.log(`${fx().name} ${JSON.stringify(auth)}: ${err?.kind}: ${err?.message}`);
      t.regex(err?.message ?? '', /401|unauthorized|authenticat/i);
      t.is(authorized(), before, `the registry authorized no request of ${JSON.stringify(auth)}`);
    }
  });
};
