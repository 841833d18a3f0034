// The one skiff binary. Each role (cri, cni-server, server, agent, up) is a subcommand with its own
// composition root in this folder; this file only dispatches.
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { realFiles } from '../host/files/real.js';
import { registerCniServer } from './cni-server.js';
import { registerCri } from './cri.js';
import { registerServer } from './server.js';

const pkg = JSON.parse(realFiles.readTextSync(fileURLToPath(new URL('../../package.json', import.meta.url)))) as { version: string };

export function program(): Command {
  const skiff = new Command('skiff')
    .description('A small, real Kubernetes node stack: kubelet, CRI runtime, CNI plugins, nftables proxy, control plane')
    .version(pkg.version, '-v, --version', 'print the skiff version')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  registerCniServer(skiff);
  registerCri(skiff);
  registerServer(skiff);
  return skiff;
}

await program().parseAsync(process.argv);
