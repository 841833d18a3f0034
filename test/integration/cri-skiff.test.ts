import test from 'ava';
import { registerCriSuite } from '../cri/all.js';
import type { CriFixture } from '../cri/fixtures.js';
import { restartCases } from '../cri/restart.case.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startSkiffCri } from '../helpers/skiff-cri.js';

// The same CRI conformance suite that containerd passes (cri-containerd.test.ts), against
// `skiff cri` (dist/cli/skiff.js, so build first). Not run by default while skiff's RPCs
// are being written: SKIFF_CRI_SUITE=1 turns it on.
const enabled = process.env.SKIFF_CRI_SUITE === '1';

if (!enabled) {
  test.skip('SKIPPED: the CRI suite against skiff cri runs only with SKIFF_CRI_SUITE=1 (RPCs still being implemented)', () => {});
} else {
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
  }
}
