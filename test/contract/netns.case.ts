import type { TestFn } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import { uniq } from '../helpers/names.js';
import type { ContractEnv } from './env.js';

export function netnsContract(test: TestFn, env: ContractEnv): void {
  const { netns, netlink } = env.host;
  const named = (title: string) => `${env.name} netns: ${title}`;

  test(named('create pins net, ipc and uts; remove twice succeeds'), async (t) => {
    const base = `${env.pinDir}/${uniq()}`;
    const pins = { net: `${base}-net`, ipc: `${base}-ipc`, uts: `${base}-uts`, hostname: 'pod-a' };
    t.teardown(() => Promise.all([pins.net, pins.ipc, pins.uts].map((p) => netns.remove(p))));
    await netns.create(pins);
    for (const p of [pins.net, pins.ipc, pins.uts]) t.true(await netns.exists(p), p);
    t.deepEqual((await netlink.links(pins.net)).map((l) => l.name), ['lo']);
    await netns.remove(pins.net);
    await netns.remove(pins.net);
    t.false(await netns.exists(pins.net));
  });

  test(named('an existing pin is EEXIST and nothing is created'), async (t) => {
    const base = `${env.pinDir}/${uniq()}`;
    t.teardown(() => Promise.all([netns.remove(`${base}-a`), netns.remove(`${base}-b`)]));
    await netns.create({ net: `${base}-a` });
    const err = await t.throwsAsync<HostError>(netns.create({ uts: `${base}-b`, net: `${base}-a` }));
    t.is(err?.code, 'EEXIST');
    t.false(await netns.exists(`${base}-b`));
  });

  test(named('bad input is EINVAL'), async (t) => {
    for (const pins of [{}, { net: 'relative/path' }, { net: '/x/a', uts: '/x/a' }, { net: `${env.pinDir}/${uniq()}`, hostname: 'h' }, { uts: `${env.pinDir}/${uniq()}`, hostname: 'bad_host!' }]) {
      const err = await t.throwsAsync<HostError>(netns.create(pins));
      t.is(err?.code, 'EINVAL', JSON.stringify(pins));
    }
  });
}
