// kubectl e2e on etcd 3.4 (the cases: kubectl.case.ts); a throwaway etcd for this file.
import test from 'ava';
import { available } from './backends.js';
import { kubectlCases } from './kubectl.case.js';

if (available('etcd')) kubectlCases(test, 'etcd');
else test('SKIPPED: etcd-server is not installed (scripts/setup.sh installs it)', (t) => t.pass());
