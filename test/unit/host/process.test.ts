import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FakeProcesses } from '../../../src/host/process/fake.js';
import { realProcesses } from '../../../src/host/process/real.js';
import { processesContract } from '../../contract/process.case.js';

// The Processes seam's contract on programs defined as functions and on real executables
// (shell scripts in a temp dir: no root).

processesContract(test, {
  name: 'fake',
  processes: new FakeProcesses()
    .define('/bin/echo-fake', (args, opts) => ({ code: Number(args[0]), stdout: opts.stdin, stderr: opts.env.WORD ?? '' }))
    .define('/bin/hang-fake', () => new Promise(() => {})),
  echo: '/bin/echo-fake',
  hang: '/bin/hang-fake',
});

// Written synchronously: ava wants every test declared before the file's first await.
const dir = mkdtempSync(join(tmpdir(), 'skiff-process-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const script = (name: string, body: string) => {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
};
processesContract(test, {
  name: 'real',
  processes: realProcesses,
  echo: script('echo', 'cat; printf %s "$WORD" >&2; exit "$1"'),
  hang: script('hang', 'exec sleep 600'),
});
