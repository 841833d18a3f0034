// pods/eviction: a delete that spends a PodDisruptionBudget's allowed disruptions, or is
// refused with 429 when none are left, as `kubectl drain` expects.
import test from 'ava';
import { pod, startFixture } from './fixture.js';

const NS = '/api/v1/namespaces/default';
const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';
const evict = (name: string) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });

async function runningPod(call: Awaited<ReturnType<typeof startFixture>>['call'], name: string) {
  const created = await call('POST', `${NS}/pods`, pod(name, { metadata: { labels: { app: 'web' } } }));
  const status = { ...created.json, status: { phase: 'Running' } };
  await call('PUT', `${NS}/pods/${name}/status`, status);
}

async function budget(call: Awaited<ReturnType<typeof startFixture>>['call'], allowed: number) {
  const pdb = await call('POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
  const r = await call('PUT', `${PDBS}/web/status`, { ...pdb.json, status: { observedGeneration: pdb.json.metadata.generation, disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } });
  if (r.status !== 200) throw new Error(r.text);
}

test('an eviction the budget allows deletes the pod and spends one disruption', async (t) => {
  const { call } = await startFixture(t);
  await runningPod(call, 'a');
  await budget(call, 1);
  const r = await call('POST', `${NS}/pods/a/eviction`, evict('a'));
  t.is(r.status, 201, r.text);
  t.is((await call('GET', `${NS}/pods/a`)).status, 404);
  const pdb = (await call('GET', `${PDBS}/web`)).json;
  t.is(pdb.status.disruptionsAllowed, 0);
  t.truthy(pdb.status.disruptedPods.a);
});

test('an exhausted budget refuses with 429 and keeps the pod; a pod with no budget is evicted', async (t) => {
  const { call } = await startFixture(t);
  await runningPod(call, 'a');
  await budget(call, 0);
  const r = await call('POST', `${NS}/pods/a/eviction`, evict('a'));
  t.is(r.status, 429);
  t.is(r.json.reason, 'TooManyRequests');
  t.is(r.json.message, 'Cannot evict pod as it would violate the pod\'s disruption budget.');
  t.is(r.json.details.causes[0].reason, 'DisruptionBudget');
  t.is((await call('GET', `${NS}/pods/a`)).status, 200);
  await call('POST', `${NS}/pods`, pod('lonely'));
  t.is((await call('POST', `${NS}/pods/lonely/eviction`, evict('lonely'))).status, 201);
  t.is((await call('POST', `${NS}/pods/ghost/eviction`, evict('ghost'))).status, 404);
  t.is((await call('POST', `${NS}/pods/a/eviction`, evict('other'))).status, 400);
});
