import test from 'ava';
import { loadConfDir } from '../../../src/cni/invoker/conflist.js';
import { CONFLIST_NAME, nodeConflist, writeNodeConflist } from '../../../src/cli/cni-conflist.js';
import { FakeFiles } from '../../../src/host/files/fake.js';

test('the node conflist: bridge skiff0 with ipMasq and host-local on the podCIDR, then portmap, at CNI 1.0.0', (t) => {
  const conf = nodeConflist({ podCidr: '10.244.3.0/24', ipamDataDir: '/data/agent/cni/networks' });
  t.deepEqual(conf, {
    cniVersion: '1.0.0',
    name: 'skiff',
    plugins: [
      {
        type: 'skiff-bridge', bridge: 'skiff0', isGateway: true, isDefaultGateway: true, ipMasq: true, hairpinMode: true,
        ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.3.0/24' }]], dataDir: '/data/agent/cni/networks' },
      },
      { type: 'skiff-portmap', capabilities: { portMappings: true } },
    ],
  });
});

test('what is written is a conflist the runtime\'s loader accepts, replacing an older one for another podCIDR', async (t) => {
  const files = new FakeFiles();
  await writeNodeConflist(files, '/d/net.d', { podCidr: '10.244.1.0/24', ipamDataDir: '/d/ipam' });
  const path = await writeNodeConflist(files, '/d/net.d', { podCidr: '10.244.2.0/24', ipamDataDir: '/d/ipam' });
  t.is(path, `/d/net.d/${CONFLIST_NAME}`);
  const { lists, errors } = await loadConfDir('/d/net.d', files);
  t.deepEqual(errors, []);
  t.is(lists.length, 1);
  const list = lists[0]!.list;
  t.is(list.name, 'skiff');
  t.deepEqual(list.plugins.map((p) => p.type), ['skiff-bridge', 'skiff-portmap']);
  t.like(list.plugins[0], { ipam: { ranges: [[{ subnet: '10.244.2.0/24' }]] } });
});
