import test from 'ava';
import { registerCriSuite } from '../cri/all.js';
import type { CriFixture } from '../cri/fixtures.js';
import { pidNamespaceRestartCases } from '../cri/pid-namespace.case.js';
import { restartCases } from '../cri/restart.case.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startSkiffCri } from '../helpers/skiff-cri.js';

// The same CRI conformance suite that containerd passes (cri-containerd.test.ts), against
// `skiff cri` (dist/cli/skiff.js: `npm test` builds first).
const rt = rootOnly(test);
if (isRoot) {
  let fixture: CriFixture | undefined;
  test.before(async () => {
    fixture = await startSkiffCri();
  });
  test.after.always(async () => {
    await fixture?.stop();
  });
  registerCriSuite(rt, () => fixture!);
  restartCases(rt, () => startSkiffCri());
  pidNamespaceRestartCases(rt, () => startSkiffCri());
}
