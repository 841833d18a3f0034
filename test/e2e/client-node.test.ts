// client-node e2e on the embedded SQLite store (the cases: client-node.case.ts).
import test from 'ava';
import { clientNodeCases } from './client-node.case.js';

clientNodeCases(test, 'sqlite');
