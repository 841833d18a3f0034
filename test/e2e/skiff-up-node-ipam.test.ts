// The node IPAM inside `skiff server` (and so `skiff up`), seen through the stock kubectl:
// Nodes get podCIDRs, a restart keeps them, a deleted Node's block is reused, bad flags are refused.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, removeDir, skiffBin, startServer, type RunningServer } from './skiff-server.js';

const nodeYaml = (name: string) => `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name}\n`;

async function podCidr(kubeconfig: string, name: string): Promise<string> {
  for (;;) {
    const r = await kubectl(kubeconfig, ['get', 'node', name, '-o', 'jsonpath={.spec.podCIDR} {.spec.podCIDRs[0]}']);
    const [one, first] = r.stdout.split(' ');
    if (r.code === 0 && one) {
      if (one !== first) throw new Error(`podCIDR ${one} is not podCIDRs[0] ${first}`);
      return one;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

test('Nodes get podCIDRs from --cluster-cidr; a restart keeps them; a deleted Node\'s block goes to the next Node', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-ipam-'));
  let server: RunningServer | undefined;
  t.teardown(async () => {
    await server?.stop();
    await removeDir(dir);
  });
  const flags = ['--cluster-cidr', '10.80.0.0/22', '--node-cidr-mask-size', '24'];
  server = await startServer(flags, dir);
  for (const n of ['n1', 'n2']) t.is((await kubectl(server.kubeconfig, ['create', '-f', '-'], nodeYaml(n))).code, 0);
  const n1 = await podCidr(server.kubeconfig, 'n1');
  const n2 = await podCidr(server.kubeconfig, 'n2');
  t.deepEqual(new Set([n1, n2]), new Set(['10.80.0.0/24', '10.80.1.0/24']));

  await server.stop();
  server = await startServer(flags, dir);
  t.is(await podCidr(server.kubeconfig, 'n1'), n1);
  t.is((await kubectl(server.kubeconfig, ['create', '-f', '-'], nodeYaml('n3'))).code, 0);
  t.is(await podCidr(server.kubeconfig, 'n3'), '10.80.2.0/24', 'the blocks of n1 and n2 were taken back from the Nodes at start');

  t.is((await kubectl(server.kubeconfig, ['delete', 'node', 'n1'])).code, 0);
  t.is((await kubectl(server.kubeconfig, ['create', '-f', '-'], nodeYaml('n4'))).code, 0);
  t.is(await podCidr(server.kubeconfig, 'n4'), '10.80.3.0/24');
  t.is((await kubectl(server.kubeconfig, ['create', '-f', '-'], nodeYaml('n5'))).code, 0);
  t.is(await podCidr(server.kubeconfig, 'n5'), n1, 'the range was full but for n1\'s block');
});

test('a cluster CIDR and mask size that do not fit are one clear line and exit 1, before anything is made', async (t) => {
  const dir = join(tmpdir(), `skiff-ipam-bad-${process.pid}-${Date.now()}`);
  t.teardown(() => removeDir(dir));
  const run = (extra: string[]) => spawnSync(process.execPath, [skiffBin, 'server', '--data-dir', dir, '--listen', '127.0.0.1:0', ...extra], { encoding: 'utf8' });
  const mask = run(['--cluster-cidr', '10.244.0.0/16', '--node-cidr-mask-size', '8']);
  t.is(mask.status, 1);
  t.regex(mask.stderr, /mask size must be less than or equal to --node-cidr-mask-size \(8\)/);
  const cidr = run(['--cluster-cidr', '10.244.0.0']);
  t.is(cidr.status, 1);
  t.regex(cidr.stderr, /option '--cluster-cidr <cidr>' argument '10\.244\.0\.0' is invalid\. invalid CIDR address: 10\.244\.0\.0/);
  t.is(spawnSync('test', ['-e', dir]).status, 1, 'the data dir was not made');
});
