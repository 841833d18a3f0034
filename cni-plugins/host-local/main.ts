import { main } from '../../src/cni/skel.js';
import { realFiles } from '../../src/host/files/real.js';
import { hostLocalPlugin } from './host-local.js';
import { DiskStore } from './store.js';

void main(hostLocalPlugin({ openStore: (dir) => new DiskStore(dir), readFile: (path) => realFiles.readText(path) }));
