import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { realOciRuntime } from '../../src/host/oci/real.js';
import { ociContract, programBundle, programReady } from '../contract/oci.case.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// The OCI runtime contract against runc + conmon, with a runc root of this file's own.
const t = rootOnly(test);
if (isRoot) {
  const runcRoot = await mkdtemp(join(tmpdir(), 'skiff-runc-'));
  test.after.always(() => rm(runcRoot, { recursive: true, force: true }));
  ociContract(t, { name: 'real', runtime: realOciRuntime({ runcRoot }), container: (tt, program) => programBundle(tt, runcRoot, program), ready: programReady });
}
