// `skiff up` on Debian's containerd instead of the embedded runtime (--container-runtime-endpoint),
// in a private node netns: the Node becomes Ready reporting containerd as its runtime, containerd
// picks up the conflist skiff up writes from the podCIDR and runs skiff's own CNI plugins, a pod
// bound by spec.nodeName is pulled through containerd's registry.k8s.io mirror and runs, `kubectl
// logs` reads the file containerd wrote where the kubelet asked, `kubectl exec` goes through
// containerd's streaming server; after the pod is deleted and skiff stopped nothing of the node
// is left, and containerd (stopped by PID) leaves nothing either.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import type { Node, Pod } from '../../src/api/types.js';
import { criClient } from '../../src/cri/client.js';
import { Cleanup } from '../cri/fixtures.js';
import { isRoot, uniq } from '../helpers/names.js';
import { startNodeContainerd } from '../helpers/node-containerd.js';
import { createNodeNetns, kubectlUntil } from '../helpers/node-netns.js';
import { rootOnly } from '../helpers/root.js';

const rt = rootOnly(test);


/** True when none of the cgroup dirs holds a process (a dir already gone holds none). */
async function cgroupsEmpty(dirs: string[]): Promise<boolean> {
  for (const d of dirs) if ((await readFile(`${d}/cgroup.procs`, 'utf8').catch(() => '')).trim() !== '') return false;
  return true;
}

const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

if (isRoot) {
  rt('skiff up on containerd: the node is Ready with runtime containerd, a pod runs through skiff\'s CNI plugins, logs and exec reach it, a stop leaves nothing', async (t) => {
    t.timeout(300_000);
    const cleanup = new Cleanup();
    t.teardown(() => cleanup.run());
    const node = await createNodeNetns(cleanup);
    const ctd = await startNodeContainerd(node, cleanup);
    cleanup.push(async () => { if (!t.passed) t.log(await readFile(ctd.logFile, 'utf8').catch(() => '')); });
    const name = uniq('-node');
    const up = node.up(['--node-name', name, '--container-runtime-endpoint', ctd.endpoint]);
    cleanup.push(() => { if (!t.passed) t.log(up.stderr()); });
    await up.waitFor(/skiff up: serving on/);
    t.notRegex(up.stderr(), /container runtime: /, 'no embedded runtime started');

    const registered = await kubectlUntil<Node>(node, ['get', 'node', name], ready);
    t.regex(registered.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/\d+\.\d+\.\d+/);
    const podCidr = registered.spec?.podCIDR ?? '';
    t.is(podCidr, '10.244.0.0/24');
    await up.waitFor(/pod network .*10-skiff\.conflist/);

    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hello', namespace: 'default' },
      spec: { nodeName: name, containers: [{ name: 'c', image: ctd.busybox, command: ['sh', '-c', 'echo hello from containerd; exec sleep 3600'] }] },
    };
    const created = await node.kubectl(['create', '-f', '-'], JSON.stringify(pod));
    t.is(created.code, 0, created.stderr);
    const running = await kubectlUntil<Pod>(node, ['get', 'pod', 'hello'], (p) => p.status?.phase === 'Running');
    // The address comes from skiff-host-local on the Node's podCIDR: containerd ran skiff's plugins.
    t.true(running.status?.podIP?.startsWith('10.244.0.'), running.status?.podIP);
    t.is(running.status?.hostIP, node.address);
    const cri = criClient(ctd.endpoint);
    try {
      const { images } = await cri.image.listImages({});
      t.true(images.some((i) => i.repoTags.includes(ctd.busybox)), JSON.stringify(images.map((i) => i.repoTags)));
      const { items } = await cri.runtime.listPodSandbox({});
      t.deepEqual(items.map((s) => [s.labels['io.kubernetes.pod.name'], s.labels['io.kubernetes.pod.namespace']]), [['hello', 'default']]);
    } finally {
      cri.close();
    }

    const logs = await node.kubectl(['logs', 'hello']);
    t.is(logs.code, 0, logs.stderr);
    t.is(logs.stdout, 'hello from containerd\n');
    const exec = await node.kubectl(['exec', 'hello', '--', 'sh', '-c', 'echo $((6 * 7)); exit 3']);
    t.is(exec.stdout, '42\n');
    t.is(exec.code, 3, exec.stderr);

    const deleted = await node.kubectl(['delete', 'pod', 'hello', '--wait=true']);
    t.is(deleted.code, 0, deleted.stderr);
    const after = criClient(ctd.endpoint);
    try {
      t.deepEqual((await after.runtime.listPodSandbox({})).items, [], 'the kubelet removed the sandbox from containerd');
    } finally {
      after.close();
    }
    t.is(await up.stop(), 0, up.stderr());
    t.regex(up.stderr(), /skiff up: stopped\n$/);
    // Upstream's kubelet owns the pod-level cgroup (<cgroup-root>/pod<uid>) and removes it once the
    // pod is gone; skiff's kubelet leaves that to the runtime, and containerd, like upstream's,
    // removes only the containers' leaf cgroups. Until the kubelet does it, the empty pod cgroup is
    // the one thing expected to stay (the containerd teardown below sweeps it).
    const podCgroup = `${node.cgroupRoot}/pod${running.metadata.uid ?? ''}`;
    const left = await node.leftovers();
    t.deepEqual(left.filter((l) => !(l.startsWith('cgroup ') && l.endsWith(`/${podCgroup}`))), []);
    t.true(await cgroupsEmpty(left.map((l) => l.slice('cgroup '.length))), 'no process in the pod cgroup left behind');

    await ctd.stop();
    t.deepEqual(await ctd.leftovers(), []);
    t.deepEqual(await node.leftovers(), []);
  });
}
