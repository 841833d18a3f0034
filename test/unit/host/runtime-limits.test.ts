import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import test from 'ava';
import { probeRuntimeLimits } from '../../../src/host/runtime-limits.js';

// Runs against this process's own /proc entries; root or not, the probe must leave them as
// it found them.

test('the probe puts oom_score_adj back and reports what /proc says of this process', async (t) => {
  const before = await readFile('/proc/self/oom_score_adj', 'utf8');
  const limits = await probeRuntimeLimits();
  t.is(await readFile('/proc/self/oom_score_adj', 'utf8'), before);
  t.regex(limits.capBnd ?? '', /^[0-9a-f]{16}$/);
  const hard = /^Max open files\s+\S+\s+(\d+)/m.exec(await readFile('/proc/self/limits', 'utf8'))?.[1];
  t.is(limits.maxNofile, Number(hard));
  t.like(limits, { arch: process.arch, hostname: hostname() });
  t.is(typeof limits.negativeOomScoreAdj, 'boolean');
});
