import type { TestFn } from 'ava';
import { isRoot } from './names.js';

/** Root-only tests: as non-root, one visible skip that says why, instead of failures. */
export function rootOnly(test: TestFn): TestFn {
  if (!isRoot) test.skip('SKIPPED: needs root and the real kernel (run as root: CI does)', () => {});
  return test;
}
