// Attacker script against TokenRequest binding, with the stock kubectl: a token for
// ServiceAccount sa3 bound to a Pod that runs as `default` would carry that pod's identity
// (and its node's) for another account. Upstream refuses with 400. Run `npm run build:js` first.
import anyTest, { type TestFn } from 'ava';
import { startLab, unique, type Lab } from './attacker.js';

const test = anyTest as TestFn<{ lab: Lab }>;

test.before(async (t) => { t.context.lab = await startLab([]); });
test.after.always(async (t) => { await t.context.lab?.stop(); });

test('kubectl create token sa3 --bound-object-kind Pod for a pod running as default is refused', async (t) => {
  const { lab } = t.context;
  const ns = unique('sec-token');
  for (const args of [['create', 'namespace', ns], ['-n', ns, 'create', 'serviceaccount', 'sa3'], ['-n', ns, 'run', 'p', '--image=busybox', '--restart=Never']]) {
    const r = await lab.admin(args);
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const r = await lab.admin(['-n', ns, 'create', 'token', 'sa3', '--bound-object-kind', 'Pod', '--bound-object-name', 'p']);
  t.not(r.code, 0, r.stdout);
  t.regex(r.stderr, /cannot bind token for serviceaccount "sa3" to pod running with different serviceaccount name\./);
  t.is(r.stdout, '', 'no token printed');
  const own = await lab.admin(['-n', ns, 'create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'p']);
  t.is(own.code, 0, own.stderr);
  t.regex(own.stdout, /^ey/, 'the pod\'s own account gets its token');
});
