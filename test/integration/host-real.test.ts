import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { realHost } from '../../src/host/index.js';
import { becomeChildSubreaper } from '../../src/host/subreaper.js';
import { isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// What only the real kernel can show: facts outside the seams' contract.

test('an orphaned grandchild is re-parented to a child subreaper', async (t) => {
  becomeChildSubreaper();
  const sh = spawn('sh', ['-c', 'sleep 30 & echo $!'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => sh.on('exit', resolve));
  const orphan = Number(out.trim());
  t.teardown(() => {
    try {
      process.kill(orphan, 'SIGKILL');
    } catch {}
  });
  const status = await readFile(`/proc/${orphan}/status`, 'utf8');
  t.is(Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]), process.pid);
});

const rt = rootOnly(test);
if (isRoot) {
  rt('pins live in a shared mount, like ip netns, so unpinning reaches every mount namespace', async (t) => {
    const { netns } = realHost();
    const pin = `/run/netns/${uniq()}`;
    t.teardown(() => netns.remove(pin));
    await netns.create({ net: pin });
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    const dir = info.split('\n').find((l) => l.split(' ')[4] === '/run/netns');
    t.regex(dir ?? '', / shared:\d+/);
  });
}
