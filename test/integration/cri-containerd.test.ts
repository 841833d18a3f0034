import test from 'ava';
import { registerCriSuite } from '../cri/all.js';
import type { CriFixture } from '../cri/fixtures.js';
import { pidNamespaceRestartCases } from '../cri/pid-namespace.case.js';
import { restartCases } from '../cri/restart.case.js';
import { startContainerd } from '../helpers/containerd.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// The CRI conformance suite against Debian's containerd 1.6: proves the suite tests the
// protocol, not skiff's implementation. One containerd (in its own node netns, with its
// own registry) serves every case; the cases run in parallel. The restart cases start
// their own containerd.
const rt = rootOnly(test);

if (isRoot) {
  let fixture: CriFixture | undefined;
  test.before(async () => {
    fixture = await startContainerd();
  });
  test.after.always(async () => {
    await fixture?.stop();
  });
  registerCriSuite(rt, () => fixture!);
  restartCases(rt, () => startContainerd());
  pidNamespaceRestartCases(rt, () => startContainerd());
}
