// kubectl's generator commands (`create namespace|configmap|secret|...`) send protobuf bodies:
// each one against `skiff server` (SQLite; run `npm run build:js` first) must create the object
// kubectl describes, read back as JSON.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { kubectl, removeDir, startServer, type RunningServer } from './skiff-server.js';

let server: RunningServer;
const ns = `pb-${randomBytes(3).toString('hex')}`;

test.before(async () => { server = await startServer(); });
test.after.always(async () => { if (server) { await server.stop(); await removeDir(server.dir); } });

const run = (args: string[]) => kubectl(server.kubeconfig, args);
const get = async (args: string[]) => {
  const r = await run(['get', '-o', 'json', ...args]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

test.serial('create namespace', async (t) => {
  const r = await run(['create', 'namespace', ns]);
  t.is(r.code, 0, r.stderr);
  t.is((await get(['namespace', ns])).status.phase, 'Active');
});

const GENERATORS: [string, string[], (o: any) => void][] = [
  ['configmap/cfg', ['create', 'configmap', 'cfg', '--from-literal=k=v'], (o) => { if (o.data.k !== 'v') throw new Error(JSON.stringify(o.data)); }],
  ['secret/sec', ['create', 'secret', 'generic', 'sec', '--from-literal=password=hunter2'], (o) => { if (Buffer.from(o.data.password, 'base64').toString() !== 'hunter2') throw new Error('secret data'); }],
  ['serviceaccount/robot', ['create', 'serviceaccount', 'robot'], () => {}],
  ['deployment/web', ['create', 'deployment', 'web', '--image=busybox', '--replicas=0', '--port=8080'], (o) => { if (o.spec.replicas !== 0 || o.spec.template.spec.containers[0].ports[0].containerPort !== 8080) throw new Error(JSON.stringify(o.spec)); }],
  ['job/once', ['create', 'job', 'once', '--image=busybox', '--', 'true'], (o) => { if (o.spec.template.spec.containers[0].command[0] !== 'true') throw new Error(JSON.stringify(o.spec)); }],
  ['cronjob/cj', ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *'], (o) => { if (o.spec.schedule !== '*/5 * * * *') throw new Error(o.spec.schedule); }],
  ['role/reader', ['create', 'role', 'reader', '--verb=get,list', '--resource=pods'], (o) => { if (o.rules[0].verbs.join() !== 'get,list') throw new Error(JSON.stringify(o.rules)); }],
  ['rolebinding/reader', ['create', 'rolebinding', 'reader', '--role=reader', '--user=alice'], (o) => { if (o.subjects[0].name !== 'alice') throw new Error(JSON.stringify(o)); }],
  ['quota/q', ['create', 'quota', 'q', '--hard=pods=3,cpu=1'], (o) => { if (o.spec.hard.pods !== '3') throw new Error(JSON.stringify(o.spec)); }],
  ['pdb/p', ['create', 'pdb', 'p', '--selector=app=web', '--min-available=50%'], (o) => { if (o.spec.minAvailable !== '50%') throw new Error(JSON.stringify(o.spec)); }],
  ['ingress/ing', ['create', 'ingress', 'ing', '--rule=example.com/=svc:80'], (o) => { if (o.spec.rules[0].host !== 'example.com') throw new Error(JSON.stringify(o.spec)); }],
];

for (const [what, args, check] of GENERATORS) {
  test.serial(`kubectl ${args.slice(0, 3).join(' ')}`, async (t) => {
    const r = await run(['-n', ns, ...args]);
    t.is(r.code, 0, r.stderr);
    const obj = await get(['-n', ns, what]);
    t.notThrows(() => check(obj));
  });
}

// kubectl names the port "80-8080": Service port names are DNS-1123 labels (a leading digit is fine).
test.serial('kubectl create service clusterip (port named 80-8080)', async (t) => {
  const r = await run(['-n', ns, 'create', 'service', 'clusterip', 'svc', '--tcp=80:8080']);
  t.is(r.code, 0, r.stderr);
  t.is((await get(['-n', ns, 'service/svc'])).spec.ports[0].targetPort, 8080);
});

const CLUSTER: [string, string[]][] = [
  [`clusterrole/pb-${ns}`, ['create', 'clusterrole', `pb-${ns}`, '--verb=get', '--resource=nodes']],
  [`clusterrolebinding/pb-${ns}`, ['create', 'clusterrolebinding', `pb-${ns}`, `--clusterrole=pb-${ns}`, '--group=ops']],
];

for (const [what, args] of CLUSTER) {
  test.serial(`kubectl ${args.slice(0, 2).join(' ')}`, async (t) => {
    const r = await run(args);
    t.is(r.code, 0, r.stderr);
    t.is((await get([what])).metadata.name, `pb-${ns}`);
  });
}
