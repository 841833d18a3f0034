import test from 'ava';
import { builtinRunner } from '../../src/cni/builtins.js';
import { CniInvoker } from '../../src/cni/invoker/invoker.js';
import type { NetConfList } from '../../src/cni/types.js';
import { host, netns, OURS, REFERENCE, runnerIn, tempDir } from '../helpers/cni.js';
import { isRoot } from '../helpers/names.js';
import { tcpGet, tcpServer } from '../helpers/process.js';
import { rootOnly } from '../helpers/root.js';

// A pod network as a runtime configures it: bridge (ipMasq) + host-local, chained with
// portmap, driven by the invoker with the portMappings capability. A client namespace
// hangs off the node by a veth:
//
//   client eth0 10.244.99.2 ═══ cli0 10.244.99.1  node  cni0 10.244.90.1 ═══ eth0 10.244.90.x pod
const rt = rootOnly(test);

const list = (dataDir: string): NetConfList => ({
  cniVersion: '1.1.0', name: 'chain',
  plugins: [
    { cniVersion: '1.1.0', name: 'chain', type: 'skiff-bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.90.0/24' }]], dataDir } },
    { cniVersion: '1.1.0', name: 'chain', type: 'skiff-portmap', capabilities: { portMappings: true } },
  ],
});

if (isRoot) {
  for (const mode of ['exec', 'in-process'] as const) {
    rt(`${mode}: a hostPort reaches the pod from another netns, the pod is masqueraded going out, DEL undoes both`, async (t) => {
      const [node, pod, client, data, cache] = [await netns(t, 'n'), await netns(t, 'p'), await netns(t, 'c'), await tempDir(t), await tempDir(t)];
      await host.netlink.apply([
        { op: 'link.add', name: 'cli0', kind: 'veth', peer: { name: 'eth0', netns: client } },
        { op: 'addr.add', dev: 'cli0', cidr: '10.244.99.1/24' },
        { op: 'link.set', name: 'cli0', up: true },
      ], node);
      await host.netlink.apply([{ op: 'addr.add', dev: 'eth0', cidr: '10.244.99.2/24' }, { op: 'link.set', name: 'eth0', up: true }, { op: 'link.set', name: 'lo', up: true }], client);
      const runner = mode === 'exec' ? runnerIn(node) : builtinRunner({ ...host, hostNetns: node, fallback: runnerIn(node) });
      const cni = new CniInvoker({ runner, paths: [OURS, REFERENCE], cacheDir: cache });
      const rtc = { containerId: 'web-1', netns: pod, ifname: 'eth0', capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } };
      const result = await cni.add(list(data), rtc);
      t.like(result, { ips: [{ address: '10.244.90.2/24' }] });
      await host.netlink.apply([{ op: 'link.set', name: 'lo', up: true }], pod);

      await tcpServer(t, pod, 80, 'pod says hi');
      t.is(await tcpGet(client, '10.244.99.1', 8080), 'pod says hi');
      await tcpServer(t, client, 9000, '$remote');
      t.is(await tcpGet(pod, '10.244.99.2', 9000), '10.244.99.1', 'the pod leaves masqueraded as the node');
      t.is(await tcpGet(pod, '10.244.90.1', 22, 500), 'ERR ECONNREFUSED', 'nothing else is mapped');

      await cni.del(list(data), rtc);
      t.regex(await tcpGet(client, '10.244.99.1', 8080, 1000), /^ERR/);
      const tables = await host.nft.listTables(node);
      for (const { family, name } of tables) {
        const contents = await host.nft.listTable(family, name, node);
        t.deepEqual(contents.sets.flatMap((s) => s.elements), [], `${family} ${name} holds no elements after DEL`);
      }
    });
  }
}
