// `npm test`: runs ava over unit + integration tests, then fails the run if the machine
// holds anything the tests created and did not remove (namespaces, host links, mounts, nft
// tables). Snapshots are diffed, so whatever was there before the run is not blamed.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

function lines(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

function snapshot() {
  const netns = (() => { try { return readdirSync('/run/netns'); } catch { return []; } })();
  const links = lines('ip', ['-o', 'link', 'show']).map((l) => l.split(': ')[1]?.split('@')[0]);
  // /run/netns bound onto itself and made shared is what `ip netns add` leaves too: not a leak.
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[4]).filter((m) => m !== '/run/netns');
  const tables = lines('nft', ['list', 'tables']);
  return { 'network namespaces': netns, 'host links': links, mounts, 'nft tables': tables };
}

const before = snapshot();
const ava = spawnSync(new URL('../node_modules/.bin/ava', import.meta.url).pathname, process.argv.slice(2), { stdio: 'inherit' });
const after = snapshot();

let leaked = false;
for (const [kind, now] of Object.entries(after)) {
  const extra = now.filter((x) => !before[kind].includes(x));
  if (extra.length) {
    leaked = true;
    console.error(`LEAK: the tests left ${kind} behind: ${extra.join(', ')}`);
  }
}
if (leaked) process.exit(1);
process.exit(ava.status ?? 1);
