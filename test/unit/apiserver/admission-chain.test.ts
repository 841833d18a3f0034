// The admission chain (src/apiserver/admission/chain.ts): mutating plugins before validating
// ones, the first refusal wins, the requester from the request scope, and plugins that judge
// the requester skipped for the server's own writes, which LimitRanger and Priority still
// shape (through a running server's registry, outside any request).
import test from 'ava';
import { admissionChain, requestersOnly } from '../../../src/apiserver/admission/chain.js';
import type { AdmissionAttributes } from '../../../src/apiserver/admission/types.js';
import { findResource } from '../../../src/api/resources.js';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { apiError } from '../../../src/apiserver/status.js';
import { pod, startAuthFixture } from './fixture.js';

const write = (extra: Partial<AdmissionAttributes> = {}) => ({
  operation: 'CREATE' as const, group: '', resource: 'pods', subresource: '', namespace: 'default', name: 'p', object: { metadata: { name: 'p' } }, dryRun: false, ...extra,
});
const alice = { name: 'alice', groups: ['system:authenticated'] };

test('mutating plugins run in the admit phase, validating ones in the validate phase, each in order, on the same object', async (t) => {
  const seen: string[] = [];
  const chain = admissionChain([
    { name: 'A', admit: (a) => { seen.push('A.admit'); a.object!.a = 1; }, validate: (a) => { seen.push(`A.validate ${a.object!.b}`); } },
    { name: 'B', admit: (a) => { seen.push(`B.admit ${a.object!.a}`); a.object!.b = 2; } },
    { name: 'C', validate: () => { seen.push('C.validate'); } },
  ]);
  const attrs = write();
  await chain.admit(attrs);
  t.deepEqual(seen, ['A.admit', 'B.admit 1']);
  t.deepEqual(attrs.object, { metadata: { name: 'p' }, a: 1, b: 2 });
  await chain.validate(attrs);
  t.deepEqual(seen, ['A.admit', 'B.admit 1', 'A.validate 2', 'C.validate']);
});

test('the first refusal wins and the plugins after it do not run', async (t) => {
  const seen: string[] = [];
  const chain = admissionChain([
    { name: 'A', validate: () => { seen.push('A'); } },
    { name: 'B', validate: () => { throw apiError(403, 'Forbidden', 'no'); } },
    { name: 'C', validate: () => { seen.push('C'); } },
  ]);
  const err = await t.throwsAsync(chain.validate(write()));
  t.is((err as any).code, 403);
  t.deepEqual(seen, ['A']);
});

test('the requester comes from the request scope; requester-only plugins skip the server\'s own writes', async (t) => {
  const users: (string | undefined)[] = [];
  const judged: string[] = [];
  const chain = admissionChain([
    { name: 'any', validate: (a) => { users.push(a.user?.name); } },
    requestersOnly({ name: 'judge', admit: (a) => { judged.push(`admit ${a.user.name}`); }, validate: (a) => { judged.push(`validate ${a.user.name}`); } }),
  ]);
  t.is(chain.requester(), undefined);
  await chain.admit(write());
  await chain.validate(write());
  t.deepEqual(users, [undefined]);
  t.deepEqual(judged, []);
  await chain.actingAs(alice, async () => {
    // Across awaits, as the storage reaches the chain after reading the store.
    await new Promise((r) => setImmediate(r));
    t.is(chain.requester()?.name, 'alice');
    await chain.admit(write());
    await chain.validate(write());
  });
  t.deepEqual(users, [undefined, 'alice']);
  t.deepEqual(judged, ['admit alice', 'validate alice']);
  t.is(chain.requester(), undefined);
});

test('the server\'s own writes get LimitRange defaults, pod priority and qosClass, and LimitRange bounds', async (t) => {
  const f = await startAuthFixture(t, {}, { hooks: { defaultObject, validateObject } });
  const reg = f.server.registry;
  await reg.create(findResource('', 'v1', 'limitranges')!, 'default', { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '128Mi' } }] } });
  await reg.create(findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!, '', { metadata: { name: 'usual' }, value: 7, globalDefault: true });
  const made: any = await reg.create(findResource('', 'v1', 'pods')!, 'default', pod('own'));
  t.deepEqual(made.spec.containers[0].resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } });
  t.is(made.spec.priorityClassName, 'usual');
  t.is(made.spec.priority, 7);
  t.is(made.status.qosClass, 'Guaranteed');
  // LimitRanger's validation too: over the namespace's max is refused whoever writes.
  await reg.create(findResource('', 'v1', 'limitranges')!, 'default', { metadata: { name: 'max' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } });
  const big = pod('big', { spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '2' } } }] } });
  const err = await t.throwsAsync(reg.create(findResource('', 'v1', 'pods')!, 'default', big));
  t.is((err as any).code, 403);
});
