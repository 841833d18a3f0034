// `npm test`: runs ava over unit + integration tests, then fails the run if the machine
// holds anything the tests created and did not remove (namespaces, host links, mounts, nft
// tables, daemons and monitors they started, temp dirs). Snapshots are diffed, so whatever was there
// before the run is not blamed.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

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
  // Temp dirs: every test names its own with the skiff- prefix and removes it.
  const tempDirs = readdirSync(tmpdir()).filter((n) => n.startsWith('skiff-'));
  return { 'network namespaces': netns, 'host links': links, mounts, 'nft tables': tables, processes: testProcesses(), 'temp dirs': tempDirs };
}

// What tests start and must stop: servers, runtimes and monitors, and anything running from a
// test's temp dir. Zombies are not counted: they wait for a reaper, they do not run.
const DAEMONS = new Set(['etcd', 'containerd', 'containerd-shim', 'containerd-shim-runc-v2', 'conmon', 'docker-registry', 'runc']);
function testProcesses() {
  const out = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (DAEMONS.has(comm) || argv.some((a) => a.includes('/tmp/skiff-'))) out.push(`${pid} ${argv.join(' ').slice(0, 120)}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const before = snapshot();
const ava = spawnSync(new URL('../node_modules/.bin/ava', import.meta.url).pathname, process.argv.slice(2), { stdio: 'inherit' });
let after = snapshot();
// Monitors and shims exit a moment after their daemon: look again before blaming.
if (after.processes.some((p) => !before.processes.includes(p))) {
  spawnSync('sleep', ['3']);
  after = snapshot();
}

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
