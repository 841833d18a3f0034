// kubectl e2e on the embedded SQLite store (the cases: kubectl.case.ts).
import test from 'ava';
import { kubectlCases } from './kubectl.case.js';

kubectlCases(test, 'sqlite');
