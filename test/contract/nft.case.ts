import type { ExecutionContext, TestFn } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import { Transaction } from '../../src/host/nft/transaction.js';
import { uniq } from '../helpers/names.js';
import type { ContractEnv } from './env.js';

// The nft seam: transactions commit all or nothing, listings read back what was committed,
// and refusals carry the errno nft's kernel side gives. Run against the fake (unit) and
// against the real nft in throwaway namespaces (integration).

export function nftContract(test: TestFn, env: ContractEnv): void {
  const named = (title: string) => `${env.name} nft: ${title}`;
  const fresh = async (t: ExecutionContext) => {
    const path = `${env.pinDir}/${uniq('nft')}`;
    await env.host.netns.create({ net: path });
    t.teardown(() => env.host.netns.remove(path));
    return path;
  };
  const at = { family: 'ip', table: 't' } as const;
  const skeleton = () => new Transaction()
    .add({ kind: 'table', family: 'ip', name: 't' })
    .add({ kind: 'chain', ...at, name: 'pre', type: 'nat', hook: 'prerouting', priority: 'dstnat' })
    .add({ kind: 'chain', ...at, name: 'svc' })
    .add({ kind: 'map', ...at, name: 'm', type: 'inet_proto . inet_service', value: 'ipv4_addr . inet_service' })
    .add({ kind: 'set', ...at, name: 's', type: 'ipv4_addr', comment: 'pods' })
    .add({ kind: 'rule', ...at, chain: 'pre', rule: 'jump svc', comment: 'entry' })
    .add({ kind: 'rule', ...at, chain: 'svc', rule: 'ip saddr @s dnat ip addr . port to meta l4proto . th dport map @m' })
    .add({ kind: 'element', ...at, map: 'm', key: ['tcp', '80'], value: ['10.244.0.5', '8080'], comment: 'a' })
    .add({ kind: 'element', ...at, set: 's', key: ['10.244.0.5'] });
  const failure = async (t: ExecutionContext, nsPath: string, tx: Transaction) => (await t.throwsAsync<HostError>(env.host.nft.run(tx, nsPath)))!;

  test(named('a transaction builds the table; listing reads it back; add is idempotent'), async (t) => {
    const ns = await fresh(t);
    await env.host.nft.run(skeleton(), ns);
    await env.host.nft.run(skeleton(), ns);
    t.deepEqual(await env.host.nft.listTables(ns), [{ family: 'ip', name: 't' }]);
    const table = await env.host.nft.listTable('ip', 't', ns);
    t.deepEqual(table.chains.map((c) => [c.name, c.hook, c.priority]), [['pre', 'prerouting', -100], ['svc', undefined, undefined]]);
    t.deepEqual(table.sets.map((s) => [s.name, s.kind, s.type, s.value, s.comment]), [
      ['m', 'map', 'inet_proto . inet_service', 'ipv4_addr . inet_service', undefined], ['s', 'set', 'ipv4_addr', undefined, 'pods'],
    ]);
    t.deepEqual(table.sets[0]!.elements, [{ key: ['tcp', '80'], value: ['10.244.0.5', '8080'], comment: 'a' }]);
    t.deepEqual(table.rules.map((r) => [r.chain, r.comment]), [['pre', 'entry'], ['pre', 'entry'], ['svc', undefined], ['svc', undefined]]);
    t.deepEqual(await env.host.nft.listElements('ip', 't', 'set', 's', ns), [{ key: ['10.244.0.5'] }]);
  });

  test(named('all or nothing: a failing op takes the whole transaction back, and names its index'), async (t) => {
    const ns = await fresh(t);
    await env.host.nft.run(skeleton(), ns);
    const err = await failure(t, ns, new Transaction()
      .add({ kind: 'element', ...at, map: 'm', key: ['udp', '53'], value: ['10.244.0.6', '53'] })
      .create({ kind: 'chain', ...at, name: 'svc' }));
    t.is(err.code, 'EEXIST');
    t.is(err.syscall, 'nft');
    t.is(err.opIndex, 1);
    t.regex(err.message, /File exists/);
    t.deepEqual((await env.host.nft.listElements('ip', 't', 'map', 'm', ns)).map((e) => e.key), [['tcp', '80']]);
  });

  test(named('missing things are ENOENT'), async (t) => {
    const ns = await fresh(t);
    t.is((await t.throwsAsync<HostError>(env.host.nft.listTable('ip', 't', ns)))?.code, 'ENOENT');
    t.is((await failure(t, ns, new Transaction().add({ kind: 'chain', ...at, name: 'c' }))).code, 'ENOENT');
    await env.host.nft.run(skeleton(), ns);
    t.is((await failure(t, ns, new Transaction().delete({ kind: 'element', ...at, map: 'm', key: ['tcp', '81'] }))).code, 'ENOENT');
    t.is((await failure(t, ns, new Transaction().add({ kind: 'element', ...at, set: 'nosuch', key: ['10.0.0.1'] }))).code, 'ENOENT');
    t.is((await failure(t, ns, new Transaction().add({ kind: 'rule', ...at, chain: 'svc', rule: 'ip daddr @nosuch accept' }))).code, 'ENOENT');
    t.is((await failure(t, ns, new Transaction().add({ kind: 'rule', ...at, chain: 'svc', rule: 'jump nosuch' }))).code, 'ENOENT');
    t.is((await failure(t, ns, new Transaction().delete({ kind: 'rule', ...at, chain: 'svc', handle: 9999 }))).code, 'ENOENT');
    t.is((await failure(t, ns, new Transaction().delete({ kind: 'table', family: 'ip6', name: 't' }))).code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(env.host.nft.listElements('ip', 't', 'set', 'm', ns)))?.code, 'ENOENT', 'm is a map');
    t.is((await t.throwsAsync<HostError>(env.host.nft.listTables(`${env.pinDir}/${uniq('gone')}`)))?.code, 'ENOENT', 'no such namespace');
  });

  test(named('map elements: same key and value is a no-op keeping the comment, another value is EEXIST; delete ignores the value'), async (t) => {
    const ns = await fresh(t);
    await env.host.nft.run(skeleton(), ns);
    await env.host.nft.run(new Transaction().add({ kind: 'element', ...at, map: 'm', key: ['tcp', '80'], value: ['10.244.0.5', '8080'], comment: 'b' }), ns);
    t.deepEqual((await env.host.nft.listElements('ip', 't', 'map', 'm', ns))[0]?.comment, 'a');
    t.is((await failure(t, ns, new Transaction().add({ kind: 'element', ...at, map: 'm', key: ['tcp', '80'], value: ['10.244.0.6', '8080'] }))).code, 'EEXIST');
    t.is((await failure(t, ns, new Transaction().create({ kind: 'element', ...at, map: 'm', key: ['tcp', '80'], value: ['10.244.0.5', '8080'] }))).code, 'EEXIST');
    // The guarded delete portmap relies on: re-add as listed, then delete.
    const guarded = (ip: string) => new Transaction()
      .add({ kind: 'element', ...at, map: 'm', key: ['tcp', '80'], value: [ip, '8080'] })
      .delete({ kind: 'element', ...at, map: 'm', key: ['tcp', '80'] });
    t.is((await failure(t, ns, guarded('10.244.0.9'))).code, 'EEXIST');
    await env.host.nft.run(guarded('10.244.0.5'), ns);
    t.deepEqual(await env.host.nft.listElements('ip', 't', 'map', 'm', ns), []);
    t.is((await failure(t, ns, new Transaction().add({ kind: 'element', ...at, map: 'm', key: ['tcp', '80'] as string[], value: undefined } as never))).code, 'EINVAL');
  });

  test(named('what is referenced cannot be deleted (EBUSY); a chain goes with its rules'), async (t) => {
    const ns = await fresh(t);
    await env.host.nft.run(skeleton(), ns);
    t.is((await failure(t, ns, new Transaction().delete({ kind: 'set', ...at, name: 's' }))).code, 'EBUSY');
    t.is((await failure(t, ns, new Transaction().delete({ kind: 'chain', ...at, name: 'svc' }))).code, 'EBUSY');
    await env.host.nft.run(new Transaction().delete({ kind: 'chain', ...at, name: 'pre' }).delete({ kind: 'chain', ...at, name: 'svc' }).delete({ kind: 'set', ...at, name: 's' }), ns);
    const table = await env.host.nft.listTable('ip', 't', ns);
    t.deepEqual([table.chains, table.rules, table.sets.map((s) => s.name)], [[], [], ['m']]);
  });

  test(named('base chains: another hook or priority is EOPNOTSUPP, another type EEXIST, dstnat on output EINVAL'), async (t) => {
    const ns = await fresh(t);
    await env.host.nft.run(skeleton(), ns);
    t.is((await failure(t, ns, new Transaction().add({ kind: 'chain', ...at, name: 'pre', type: 'nat', hook: 'prerouting', priority: -90 }))).code, 'EOPNOTSUPP');
    t.is((await failure(t, ns, new Transaction().add({ kind: 'chain', ...at, name: 'pre', type: 'nat', hook: 'input', priority: -100 }))).code, 'EOPNOTSUPP');
    t.is((await failure(t, ns, new Transaction().add({ kind: 'chain', ...at, name: 'pre', type: 'filter', hook: 'prerouting', priority: 'dstnat' }))).code, 'EEXIST');
    t.is((await failure(t, ns, new Transaction().add({ kind: 'chain', ...at, name: 'out', type: 'nat', hook: 'output', priority: 'dstnat' }))).code, 'EINVAL');
    await env.host.nft.run(new Transaction().add({ kind: 'chain', ...at, name: 'pre' }).flush({ kind: 'chain', ...at, name: 'pre' }), ns);
    t.deepEqual((await env.host.nft.listTable('ip', 't', ns)).rules.map((r) => r.chain), ['svc']);
  });

  test(named('a poisoned transaction runs nothing; check changes nothing'), async (t) => {
    const ns = await fresh(t);
    const tx = skeleton().add({ kind: 'rule', ...at, chain: 'svc', rule: 'accept; flush ruleset' });
    const err = (await t.throwsAsync<HostError>(env.host.nft.run(tx, ns)))!;
    t.is(err.syscall, 'validate');
    t.is(err.opIndex, 9);
    await env.host.nft.check(skeleton(), ns);
    t.deepEqual(await env.host.nft.listTables(ns), []);
    await env.host.nft.run(new Transaction(), ns);
  });
}
