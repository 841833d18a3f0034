import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FakeFiles } from '../../../src/host/files/fake.js';
import { realFiles } from '../../../src/host/files/real.js';
import { filesContract } from '../../contract/files.case.js';

// The Files seam's contract, on the in-memory fake and on the real disk (a temp dir: no root).

const fake = new FakeFiles();
let n = 0;
filesContract(test, {
  name: 'fake',
  files: fake,
  scratch: async () => {
    const dir = `/scratch/${n++}`;
    fake.mkdir(dir);
    return dir;
  },
  write: async (path, text, executable) => fake.write(path, text, { executable }),
  mkdir: async (dir) => fake.mkdir(dir),
});

filesContract(test, {
  name: 'real',
  files: realFiles,
  scratch: async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-files-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
  },
  write: async (path, text, executable) => {
    await writeFile(path, text);
    if (executable) await chmod(path, 0o755);
  },
  mkdir: async (dir) => { await mkdir(dir); },
});
