// `skiff up` as a user meets it, in a private node netns (test/helpers/node-netns.ts), driven by
// the stock kubectl: it starts with progress lines and the KUBECONFIG line, the Node registers
// with a podCIDR and becomes Ready, a pod bound to it by spec.nodeName runs from the local
// registry (through a registries.yaml mirror), `kubectl logs` and `kubectl exec` reach it; after
// the pod is deleted a stop leaves nothing behind, and a restart on the same data dir finds its
// Node again. Bad flags, a taken port and an unusable data dir are one line and exit 1.
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node, Pod } from '../../src/api/types.js';
import { criClient } from '../../src/cri/client.js';
import { Cleanup } from '../cri/fixtures.js';
import { isRoot, uniq } from '../helpers/names.js';
import { createNodeNetns, kubectlUntil, type NodeNs } from '../helpers/node-netns.js';
import { rootOnly } from '../helpers/root.js';

const rt = rootOnly(test);


const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

if (isRoot) {
  rt('skiff up: the node becomes Ready, a pod runs, kubectl logs and exec reach it, a stop leaves nothing, a restart finds the Node', async (t) => {
    t.timeout(300_000);
    const cleanup = new Cleanup();
    t.teardown(() => cleanup.run());
    const node = await createNodeNetns(cleanup);
    const name = uniq('-node');
    // The pod names registry.k8s.io; registries.yaml sends the pull to the node's local registry,
    // as an air-gapped node's mirror would, without changing the pod.
    const local = await node.busybox();
    const registriesYaml = join(node.dataDir, 'registries.yaml');
    await writeFile(registriesYaml, `mirrors:\n  registry.k8s.io:\n    endpoint:\n      - "http://${local.split('/')[0]}"\n`);
    const image = `registry.k8s.io/${local.split('/').slice(1).join('/')}`;
    const up = node.up(['--node-name', name, '--registries', registriesYaml]);
    // On a failure or a timeout, what skiff said is the first thing to read.
    cleanup.push(() => { if (!t.passed) t.log(up.stderr()); });
    await up.waitFor(/skiff up: serving on/);
    t.is(await up.waitFor(/\n/, 'stdout'), `export KUBECONFIG=${node.adminKubeconfig}\n`);
    t.regex(up.stderr(), /skiff up: control plane: https:\/\/10\.201\.0\.2:6443/);
    t.regex(up.stderr(), new RegExp(`skiff up: node credentials: system:node:${name}`));

    const registered = await kubectlUntil<Node>(node, ['get', 'node', name], ready);
    const podCidr = registered.spec?.podCIDR ?? '';
    t.is(podCidr, '10.244.0.0/24', 'the first block of the default --cluster-cidr, though the kubelet wrote its status in between');
    t.deepEqual(registered.spec?.podCIDRs, [podCidr]);
    t.like(registered.status?.addresses?.find((a) => a.type === 'InternalIP'), { address: node.address });
    const conflist = JSON.parse(await readFile(join(node.dataDir, 'agent/etc/cni/net.d/10-skiff.conflist'), 'utf8')) as { plugins: { type: string; ipam?: { ranges: { subnet: string }[][] } }[] };
    t.deepEqual(conflist.plugins.map((p) => p.type), ['skiff-bridge', 'skiff-portmap']);
    t.is(conflist.plugins[0]!.ipam!.ranges[0]![0]!.subnet, podCidr);
    await up.waitFor(new RegExp(`node ${name} registered, podCIDR ${podCidr.replace(/\./g, '\\.')}`));

    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hello', namespace: 'default' },
      spec: { nodeName: name, containers: [{ name: 'c', image, command: ['sh', '-c', 'echo hello from skiff; exec sleep 3600'] }] },
    };
    const created = await node.kubectl(['create', '-f', '-'], JSON.stringify(pod));
    t.is(created.code, 0, created.stderr);
    const running = await kubectlUntil<Pod>(node, ['get', 'pod', 'hello'], (p) => p.status?.phase === 'Running');
    // Pulled under the name the pod gave, from the mirror (registry.k8s.io itself is out of reach here).
    const cri = criClient(join(node.dataDir, 'agent/cri.sock'));
    const { images } = await cri.image.listImages({}).finally(() => cri.close());
    t.true(images.some((i) => i.repoTags.includes(image)), JSON.stringify(images.map((i) => i.repoTags)));
    t.truthy(running.status?.podIP);
    t.is(running.status?.hostIP, node.address);

    const logs = await node.kubectl(['logs', 'hello']);
    t.is(logs.code, 0, logs.stderr);
    t.is(logs.stdout, 'hello from skiff\n');
    const exec = await node.kubectl(['exec', 'hello', '--', 'sh', '-c', 'echo $((6 * 7)); exit 3']);
    t.is(exec.stdout, '42\n');
    t.is(exec.code, 3, exec.stderr);

    const deleted = await node.kubectl(['delete', 'pod', 'hello', '--wait=true']);
    t.is(deleted.code, 0, deleted.stderr);
    t.is(await up.stop(), 0, up.stderr());
    t.regex(up.stderr(), /skiff up: stopped\n$/);
    t.deepEqual(await node.leftovers(), []);

    // Again on the same data dir: the same CA and admin.kubeconfig, the Node kept with its podCIDR.
    const kubeconfigBefore = await readFile(node.adminKubeconfig, 'utf8');
    const again = node.up(['--node-name', name]);
    cleanup.push(() => { if (!t.passed) t.log(again.stderr()); });
    await again.waitFor(new RegExp(`node ${name} registered, podCIDR 10\\.244\\.0\\.0/24`));
    const back = await kubectlUntil<Node>(node, ['get', 'node', name], ready);
    t.is(back.metadata.uid, registered.metadata.uid);
    t.is(await readFile(node.adminKubeconfig, 'utf8'), kubeconfigBefore);
    t.is(await again.stop(), 0, again.stderr());
    t.deepEqual(await node.leftovers(), []);
  });

  rt('skiff up refuses bad flags, a taken port and an unusable data dir in one line, exit 1, nothing left running', async (t) => {
    t.timeout(120_000);
    const cleanup = new Cleanup();
    t.teardown(() => cleanup.run());
    const node = await createNodeNetns(cleanup);
    const refused = async (extra: string[], line: RegExp) => {
      const up = node.up(extra);
      t.is(await up.exited, 1, up.stderr());
      const lines = up.stderr().trim().split('\n');
      t.regex(lines[lines.length - 1]!, line, up.stderr());
      t.is(up.stdout(), '', 'no KUBECONFIG line');
      t.deepEqual(await node.leftovers(), []);
      return lines;
    };
    t.deepEqual(await refused(['--cluster-cidr', '10.244.0.0'], /^error: option '--cluster-cidr <cidr>' argument '10\.244\.0\.0' is invalid\. invalid CIDR address: 10\.244\.0\.0$/), [
      "error: option '--cluster-cidr <cidr>' argument '10.244.0.0' is invalid. invalid CIDR address: 10.244.0.0",
    ]);
    await refused(['--node-name', 'Not_A_Name'], /^error: option '--node-name <name>' argument 'Not_A_Name' is invalid\. a lowercase RFC 1123 subdomain/);
    await refused(['--node-cidr-mask-size', '8'], /^skiff: invalid --cluster-cidr 10\.244\.0\.0\/16: its mask size must be less than or equal to --node-cidr-mask-size \(8\)$/);
    await refused(['--data-dir', '/etc/passwd/x'], /^skiff: ENOTDIR: not a directory, mkdir '\/etc\/passwd\/x'$/);
    await refused(['--registries', '/dev/null', '--container-runtime-endpoint', '/run/containerd/containerd.sock'], /^skiff: --registries configures the embedded runtime; with --container-runtime-endpoint, configure that runtime's registries instead$/);
    await refused(['--registries', join(node.dataDir, 'missing.yaml')], /^skiff: .*missing\.yaml/);

    // Ports taken inside the node: the apiserver's fails before anything starts; the kubelet's
    // after the control plane and the runtime did, which must then be closed again.
    const holder = await holdPorts(node, [6443, 10250]);
    cleanup.push(() => holder.close());
    t.deepEqual(await refused([], /^skiff: listen EADDRINUSE: address already in use 10\.201\.0\.2:6443$/), ['skiff: listen EADDRINUSE: address already in use 10.201.0.2:6443']);
    const lines = await refused(['--listen', `${node.address}:6444`], /^skiff: .*EADDRINUSE.*10250/);
    t.true(lines.some((l) => l.startsWith('skiff up: container runtime: ')), lines.join('\n'));
  });
}

/** Listens on ports of the node's address from inside its netns (a child node, stopped by PID). */
async function holdPorts(node: NodeNs, ports: number[]): Promise<{ close(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const script = `const net=require('net');let n=0;for(const p of ${JSON.stringify(ports)}){net.createServer().listen(p,'0.0.0.0',()=>{if(++n===${ports.length})console.log('up')})}`;
  const child = spawn('nsenter', [`--net=${node.netns}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`port holder exited ${code}`)));
  });
  return {
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }
    },
  };
}
