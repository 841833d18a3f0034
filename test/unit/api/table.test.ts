import test from 'ava';
import { humanDuration, toTable } from '../../../src/api/table.js';
import { containers, createdAt, onNode, pod, service, withStatus } from '../../helpers/builders.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const names = (t: any) => t.columnDefinitions.map((c: any) => c.name);

test('ages read like kubectl', (t) => {
  t.is(humanDuration(5_000), '5s');
  t.is(humanDuration(200_000), '3m20s');
  t.is(humanDuration(3600_000 * 2 + 5 * 60_000), '125m');
  t.is(humanDuration(3600_000 * 4 + 5 * 60_000), '4h5m');
  t.is(humanDuration(3600_000 * 24 * 3 + 3600_000 * 4), '3d4h');
  t.is(humanDuration(-5_000), '<invalid>');
});

test('pods: NAME READY STATUS RESTARTS AGE, then the wide columns', (t) => {
  const web = pod('web', createdAt(ago(90)), onNode('n1'), containers({ name: 'a' }, { name: 'b' }), withStatus({
    phase: 'Running', podIP: '10.244.0.5', containerStatuses: [
      { name: 'a', image: 'a', imageID: '', ready: true, restartCount: 2, state: { running: {} } },
      { name: 'b', image: 'b', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } },
    ],
  }));
  const table: any = toTable({ group: '', version: 'v1', kind: 'Pod' }, [web], 'None', NOW);
  t.is(table.kind, 'Table');
  t.is(table.apiVersion, 'meta.k8s.io/v1');
  t.deepEqual(names(table), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  t.deepEqual(table.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  t.deepEqual(table.rows[0].cells, ['web', '1/2', 'CrashLoopBackOff', '2', '90s', '10.244.0.5', 'n1', '<none>', '<none>']);
  t.false('object' in table.rows[0]);
});

test('a terminating pod says so; a new one is Pending', (t) => {
  const table: any = toTable({ group: '', version: 'v1', kind: 'Pod' }, [
    { metadata: { name: 'a', deletionTimestamp: ago(1) }, spec: { containers: [{}] }, status: { phase: 'Running' } },
    { metadata: { name: 'b' }, spec: { containers: [{}] } },
  ], 'None', NOW);
  t.deepEqual(table.rows.map((r: any) => r.cells[2]), ['Terminating', 'Pending']);
});

test('deployments and services have their kubectl columns', (t) => {
  const d: any = toTable({ group: 'apps', version: 'v1', kind: 'Deployment' }, [{ metadata: { name: 'web', creationTimestamp: ago(600) }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } }], 'None', NOW);
  t.deepEqual(d.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
  t.deepEqual(d.rows[0].cells.slice(0, 5), ['web', '2/3', 3, 2, '10m']);
  const web = service('web', '10.96.0.10:80/TCP', { type: 'NodePort', nodePort: 30080, ports: [{ port: 53, protocol: 'UDP' }] });
  const s: any = toTable({ group: '', version: 'v1', kind: 'Service' }, [web], 'None', NOW);
  t.deepEqual(names(s).slice(0, 6), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
  t.deepEqual(s.rows[0].cells.slice(0, 5), ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP']);
});

test('rows carry the object, its metadata, or nothing, as asked', (t) => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'u1' }, data: { a: '1', b: '2' } };
  const gvk = { group: '', version: 'v1', kind: 'ConfigMap' };
  const full: any = toTable(gvk, [cm], 'Object', NOW);
  t.deepEqual(full.rows[0].cells, ['c', 2, '<unknown>']);
  t.is(full.rows[0].object, cm);
  const meta: any = toTable(gvk, [cm], 'Metadata', NOW);
  t.deepEqual(meta.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata });
});

test('kinds without a printer get NAME AGE, unknown kinds NAME CREATED AT', (t) => {
  t.deepEqual(names(toTable({ group: 'apps', version: 'v1', kind: 'ControllerRevision' }, [], 'None', NOW)), ['Name', 'Age']);
  t.deepEqual(names(toTable({ group: 'example.com', version: 'v1', kind: 'Widget' }, [], 'None', NOW)), ['Name', 'Created At']);
});
