// client-node e2e on etcd 3.4 (the cases: client-node.case.ts); a throwaway etcd for this file.
import test from 'ava';
import { available } from './backends.js';
import { clientNodeCases } from './client-node.case.js';

if (available('etcd')) clientNodeCases(test, 'etcd');
else test('SKIPPED: etcd-server is not installed (scripts/setup.sh installs it)', (t) => t.pass());
