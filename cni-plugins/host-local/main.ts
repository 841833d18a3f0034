import { readFile } from 'node:fs/promises';
import { main } from '../../src/cni/skel.js';
import { hostLocalPlugin } from './host-local.js';
import { DiskStore } from './store.js';

void main(hostLocalPlugin({ openStore: (dir) => new DiskStore(dir), readFile: (path) => readFile(path, 'utf8') }));
