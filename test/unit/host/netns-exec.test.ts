import test from 'ava';
import { spawnInNetns } from '../../../src/host/netns-exec.js';

// Entering a namespace needs root: that path is covered by test/integration/cri-streaming
// (port-forward through nsenter + nc). Here: a helper that cannot start is a rejection the
// caller sees at once, not a child that fails later.

test('a missing nsenter rejects with ENOENT before anything runs', async (t) => {
  await t.throwsAsync(spawnInNetns('/proc/self/ns/net', ['/bin/true'], '/nonexistent/nsenter'), { code: 'ENOENT' });
});
