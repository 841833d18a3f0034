// The stock kubectl's logs and exec through `skiff server` to the kubelet server and the real
// skiff CRI runtime, all inside the runtime fixture's private node netns: the pod's sandbox
// and containers are made directly through the CRI with the io.kubernetes.* labels a kubelet
// writes, the Pod and Node objects through kubectl, so only the server side of logs and exec
// is under test. Also: a user the apiserver does not authorize gets the kubelet's 403.
// Needs the bundle (node scripts/build.mjs) for `skiff cri` and `skiff server`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { issueClientCertificate } from '../../src/apiserver/pki.js';
import type { CriFixture } from '../cri/fixtures.js';
import { ensureImage, exited as hasExited, waitContainer } from '../cri/suite.js';
import { eventually } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startSkiffCri } from '../helpers/skiff-cri.js';

const rtest = rootOnly(test);
const SKIFF = new URL('../../dist/cli/skiff.js', import.meta.url).pathname;
const KUBELET_MAIN = new URL('../helpers/kubelet-server-main.ts', import.meta.url).pathname;
const NODE = 'n1';

interface World {
  fx: CriFixture;
  dir: string;
  kubeconfig: string;
  kubeletPort: number;
  kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

const children: ChildProcess[] = [];
let world: World | undefined;
const cleanups: (() => Promise<void>)[] = [];

/** Spawns argv in the node netns; resolves with the child once `ready` matches its output (stdout or stderr). */
function spawnInNode(node: string, argv: string[], ready: RegExp, log: string[]): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn('nsenter', [`--net=${node}`, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const seen = (c: Buffer) => {
      out += c.toString();
      log.push(c.toString());
      const m = ready.exec(out);
      if (m) resolve({ child, match: m });
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited (${code}) before it was ready:\n${out}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

test.before(async () => {
  if (process.getuid?.() !== 0) return;
  const fx = await startSkiffCri();
  cleanups.push(() => fx.stop());
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-server-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const logs: string[] = [];
  try {
    const server = await spawnInNode(fx.nodeNetns, [process.execPath, SKIFF, 'server', '--data-dir', join(dir, 'server'), '--listen', '127.0.0.1:0'], /serving on (https:\/\/\S+),/, logs);
    const url = server.match[1]!;
    const kubeconfig = join(dir, 'server', 'admin.kubeconfig');
    const kubectl = (args: string[]) => fx.inNode(['kubectl', '--kubeconfig', kubeconfig, ...args], 60_000);

    // The Pod first: its uid is what the runtime's labels must carry.
    const podYaml = JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: {
        nodeName: NODE,
        containers: [
          { name: 'app', image: fx.images.busybox }, { name: 'ticker', image: fx.images.busybox },
          { name: 'echoer', image: fx.images.busybox, stdin: true, stdinOnce: true }, { name: 'www', image: fx.images.httpd },
        ],
      },
    });
    await writeFile(join(dir, 'pod.json'), podYaml);
    const created = await kubectl(['create', '-f', join(dir, 'pod.json'), '-o', 'json']);
    if (created.code !== 0) throw new Error(`kubectl create pod: ${created.stderr}`);
    const pod = JSON.parse(created.stdout) as { metadata: { uid: string } };
    const uid = pod.metadata.uid;
    await writeFile(join(dir, 'pods.json'), JSON.stringify([JSON.parse(created.stdout)]));

    // The sandbox and containers as a kubelet makes them: labels, log dir <ns>_<pod>_<uid>.
    const podLabels = { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid };
    const logDirectory = join(fx.logDir, `default_web_${uid}`);
    await mkdir(logDirectory, { recursive: true });
    const ns = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } as const;
    const config = {
      metadata: { name: 'web', namespace: 'default', uid, attempt: 0 }, hostname: 'web', logDirectory, labels: podLabels,
      linux: { cgroupParent: `${fx.cgroupParent}/pod${uid}`, securityContext: { namespaceOptions: ns } },
    };
    const { podSandboxId } = await fx.cri.runtime.runPodSandbox({ config });
    cleanups.push(async () => {
      await fx.cri.runtime.stopPodSandbox({ podSandboxId }).catch(() => {});
      await fx.cri.runtime.removePodSandbox({ podSandboxId }).catch(() => {});
    });
    await ensureImage(fx, fx.images.busybox);
    const start = async (name: string, script: string | undefined, extra: { image?: string; stdin?: boolean; stdinOnce?: boolean } = {}) => {
      const { containerId } = await fx.cri.runtime.createContainer({
        podSandboxId, sandboxConfig: config,
        config: {
          metadata: { name, attempt: 0 }, image: { image: extra.image ?? fx.images.busybox }, ...(script ? { command: ['/bin/sh', '-c', script] } : {}),
          ...(extra.stdin ? { stdin: true, stdinOnce: !!extra.stdinOnce } : {}),
          logPath: `${name}/0.log`, labels: { ...podLabels, 'io.kubernetes.container.name': name },
          linux: { securityContext: { namespaceOptions: ns } },
        },
      });
      await fx.cri.runtime.startContainer({ containerId });
      return containerId;
    };
    const app = await start('app', 'echo line1; echo line2; echo oops >&2; echo line3; exec sleep 3600');
    // Waits for a file the test makes, so `logs -f` is attached before the container ends.
    await start('ticker', 'echo first; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo second; echo third');
    // Attach's target: reads its stdin until the one attached client closes it.
    await start('echoer', 'while read line; do echo "got $line"; done; echo bye', { stdin: true, stdinOnce: true });
    await ensureImage(fx, fx.images.httpd);
    await start('www', undefined, { image: fx.images.httpd });
    await eventually(async () => {
      const text = await readFile(join(logDirectory, 'app', '0.log'), 'utf8');
      if (!text.includes('line3')) throw new Error('app has not written yet');
    }, 30_000);
    void app;

    const kubelet = await spawnInNode(fx.nodeNetns, [process.execPath, '--import', 'tsx', KUBELET_MAIN, JSON.stringify({
      nodeName: NODE, server: url, pkiDir: join(dir, 'server', 'pki'), criEndpoint: fx.endpoint, podsFile: join(dir, 'pods.json'),
    })], /\{"port":(\d+)\}/, logs);
    const kubeletPort = Number(kubelet.match[1]);
    const nodeJson = join(dir, 'node.json');
    await writeFile(nodeJson, JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } }));
    for (const args of [
      // kubectl port-forward asks for a Running pod (no pod worker sets the phase here).
      ['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}'],
      ['create', '-f', nodeJson],
      ['patch', 'node', NODE, '--subresource=status', '--type=merge', '-p', JSON.stringify({
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } },
      })],
    ]) {
      const r = await kubectl(args);
      if (r.code !== 0) throw new Error(`kubectl ${args[0]}: ${r.stderr}`);
    }
    world = { fx, dir, kubeconfig, kubeletPort, kubectl };
  } catch (err) {
    console.error(logs.join(''));
    throw err;
  }
});

test.after.always(async () => {
  for (const child of children.splice(0).reverse()) await stopChild(child);
  for (const c of cleanups.splice(0).reverse()) await c().catch((err) => console.error('cleanup:', err));
});

rtest('kubectl logs: both streams in order, --tail, --timestamps, --limit-bytes', async (t) => {
  const w = world!;
  const all = await w.kubectl(['logs', 'web', '-c', 'app']);
  t.is(all.code, 0, all.stderr);
  // stdout and stderr reach the log through separate pipes: only each stream's own order holds.
  const lines = all.stdout.split('\n');
  t.deepEqual(lines.filter((l) => l.startsWith('line')), ['line1', 'line2', 'line3']);
  t.true(lines.includes('oops'));
  t.is(lines.length, 5);
  // The log file's order is fixed once written: tail and limit are read against it.
  const last = `${lines[3]}\n`;
  t.is((await w.kubectl(['logs', 'web', '-c', 'app', '--tail=1'])).stdout, last);
  t.is((await w.kubectl(['logs', 'web', '-c', 'app', '--tail=1', '--timestamps'])).stdout.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /, ''), last);
  t.is((await w.kubectl(['logs', 'web', '-c', 'app', '--limit-bytes=8'])).stdout, all.stdout.slice(0, 8));
});

rtest('pods/log without a container on a pod of two: upstream\'s 400 (kubectl itself defaults to the first)', async (t) => {
  const r = await world!.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web/log']);
  t.not(r.code, 0);
  t.regex(r.stderr, /a container name must be specified for pod web, choose one of: \[app ticker echoer www\]/);
});

rtest('kubectl logs -f follows until the container exits', async (t) => {
  const w = world!;
  const follow = spawn('nsenter', [`--net=${w.fx.nodeNetns}`, 'kubectl', '--kubeconfig', w.kubeconfig, 'logs', '-f', 'web', '-c', 'ticker'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(follow);
  let out = '';
  let err = '';
  follow.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<number | null>((r) => follow.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    follow.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('first\n')) resolve(); });
    follow.once('exit', () => reject(new Error(`kubectl logs -f ended early: ${out} ${err}`)));
  });
  // Only now does the container go on, print and exit: what follows came through the follow.
  const go = await w.fx.inNode(['kubectl', '--kubeconfig', w.kubeconfig, 'exec', 'web', '-c', 'ticker', '--', 'touch', '/tmp/go']);
  t.is(go.code, 0, go.stderr);
  t.is(await exited, 0, err);
  t.is(out, 'first\nsecond\nthird\n');
  // The exited container's log is still served; there is no earlier instance.
  const id = (await w.fx.cri.runtime.listContainers({ filter: { labelSelector: { 'io.kubernetes.container.name': 'ticker' } } })).containers[0]!.id;
  await waitContainer(w.fx, id, hasExited);
  t.is((await w.kubectl(['logs', 'web', '-c', 'ticker', '--tail=1'])).stdout, 'third\n');
  const prev = await w.kubectl(['logs', 'web', '-c', 'ticker', '--previous']);
  t.not(prev.code, 0);
  t.regex(prev.stderr, /previous terminated container "ticker" in pod "web" not found/);
});

rtest('kubectl exec: output, stdin, exit codes, through the apiserver and the kubelet', async (t) => {
  const w = world!;
  const hi = await w.kubectl(['exec', 'web', '-c', 'app', '--', 'echo', 'hi']);
  t.is(hi.code, 0, hi.stderr);
  t.is(hi.stdout, 'hi\n');
  const code = await w.kubectl(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo to-stderr >&2; exit 3']);
  t.is(code.code, 3);
  t.regex(code.stderr, /to-stderr/);
  const stdin = await w.fx.inNode(['sh', '-c', `echo piped | kubectl --kubeconfig ${w.kubeconfig} exec -i web -c app -- cat`]);
  t.is(stdin.stdout, 'piped\n', stdin.stderr);
  // kubectl speaks WebSocket (v5) first; with it turned off, SPDY/3.1 takes the same path.
  const spdy = await w.fx.inNode(['env', 'KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false', 'kubectl', '--kubeconfig', w.kubeconfig, 'exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo spdy; exit 5']);
  t.is(spdy.stdout, 'spdy\n');
  t.is(spdy.code, 5);
  const verbose = await w.kubectl(['exec', '-v=7', 'web', '-c', 'app', '--', 'true']);
  t.is(verbose.code, 0);
  t.notRegex(verbose.stderr, /falling back to SPDY|fallback/i, 'the WebSocket upgrade itself worked');
});

rtest('a user the apiserver does not allow: 403 at the apiserver for exec, and from the kubelet directly', async (t) => {
  const w = world!;
  for (const args of [
    ['create', 'role', 'pod-reader', '--verb=get', '--resource=pods'],
    ['create', 'rolebinding', 'stranger-reads', '--role=pod-reader', '--user=stranger'],
    ['create', 'role', 'exec-getter', '--verb=get', '--resource=pods,pods/exec'],
    ['create', 'rolebinding', 'getter-gets', '--role=exec-getter', '--user=getter'],
  ]) t.is((await w.kubectl(args)).code, 0);
  const denied = await w.kubectl(['--as=stranger', 'exec', 'web', '-c', 'app', '--', 'true']);
  t.not(denied.code, 0);
  t.regex(denied.stderr, /pods "web" is forbidden: User "stranger" cannot (get|create) resource "pods\/exec"/);
  // get on pods/exec lets the WebSocket GET through the filter; the session also needs create.
  const getter = await w.kubectl(['--as=getter', 'exec', 'web', '-c', 'app', '--', 'true']);
  t.not(getter.code, 0);
  t.regex(getter.stderr, /pods "web" is forbidden: User "getter" cannot create resource "pods\/exec"/);
  const ca = { cert: await readFile(join(w.dir, 'server', 'pki', 'ca.crt'), 'utf8'), key: await readFile(join(w.dir, 'server', 'pki', 'ca.key'), 'utf8') };
  const stranger = issueClientCertificate(ca, 'stranger');
  await writeFile(join(w.dir, 'stranger.crt'), stranger.cert);
  await writeFile(join(w.dir, 'stranger.key'), stranger.key);
  const curl = await w.fx.inNode(['curl', '-sS', '-w', '\n%{http_code}', '--cacert', join(w.dir, 'server', 'pki', 'ca.crt'),
    '--cert', join(w.dir, 'stranger.crt'), '--key', join(w.dir, 'stranger.key'), `https://127.0.0.1:${w.kubeletPort}/containerLogs/default/web/app`]);
  t.is(curl.stdout, 'Forbidden (user=stranger, verb=get, resource=nodes, subresource=proxy)\n403');
  const anonymous = await w.fx.inNode(['curl', '-sS', '-w', '\n%{http_code}', '--cacert', join(w.dir, 'server', 'pki', 'ca.crt'), `https://127.0.0.1:${w.kubeletPort}/pods`]);
  t.is(anonymous.stdout, 'Unauthorized\n401');
  // An admin reaches the kubelet's own API through nodes/proxy.
  const pods = await w.kubectl(['get', '--raw', `/api/v1/nodes/${NODE}/proxy/pods`]);
  t.is(pods.code, 0, pods.stderr);
  t.deepEqual((JSON.parse(pods.stdout) as { items: { metadata: { name: string } }[] }).items.map((p) => p.metadata.name), ['web']);
  t.is((await w.kubectl(['--as=stranger', 'get', '--raw', `/api/v1/nodes/${NODE}/proxy/pods`])).code, 1);
});

rtest('kubectl attach -i: stdin reaches the main process, its output comes back', async (t) => {
  const w = world!;
  const r = await w.fx.inNode(['sh', '-c', `printf 'one\\ntwo\\n' | kubectl --kubeconfig ${w.kubeconfig} attach -i web -c echoer`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'got one\ngot two\nbye\n');
});

rtest('kubectl port-forward: a local port reaches the pod\'s port through the apiserver and the kubelet', async (t) => {
  const w = world!;
  const pf = spawn('nsenter', [`--net=${w.fx.nodeNetns}`, 'kubectl', '--kubeconfig', w.kubeconfig, 'port-forward', '-v=4', 'pod/web', ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(pf);
  t.teardown(() => stopChild(pf));
  let out = '';
  pf.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    pf.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    pf.once('exit', () => reject(new Error(`kubectl port-forward ended: ${out}`)));
  });
  const page = await w.fx.inNode(['curl', '-sS', `http://127.0.0.1:${port}/index.html`]);
  t.is(page.stdout, 'hello from skiff\n', `${page.stderr}\n${out}`);
  // kubectl tunnels SPDY in a WebSocket first; the apiserver terminates that, so it never falls back.
  t.notRegex(out, /fallback/i);
});
