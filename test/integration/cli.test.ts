import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import test from 'ava';

// dist/cli/skiff.js is a contract: later tests and users call it by this path.
const cli = new URL('../../dist/cli/skiff.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('skiff --version prints the package version', (t) => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const r = run('--version');
  t.is(r.status, 0);
  t.is(r.stdout.trim(), version);
});

test('skiff --help describes the binary', (t) => {
  const r = run('--help');
  t.is(r.status, 0);
  t.regex(r.stdout, /^Usage: skiff/m);
});

test('an unknown subcommand fails with a message and status 1', (t) => {
  const r = run('no-such-command');
  t.is(r.status, 1);
  t.regex(r.stderr, /error/);
});
