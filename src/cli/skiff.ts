// The one skiff binary. Each role (cri, cni-server, server, agent, up) is a subcommand with its own
// composition root in this folder; this file only dispatches.
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { realFiles } from '../host/files/real.js';
import { trace } from '../trace.js';
import { registerAgent } from './agent.js';
import { registerCniServer } from './cni-server.js';
import { registerCri } from './cri.js';
import { registerServer } from './server.js';
import { registerUp } from './up.js';

const pkg = JSON.parse(realFiles.readTextSync(fileURLToPath(new URL('../../package.json', import.meta.url)))) as { version: string };

export function program(): Command {
  const skiff = new Command('skiff')
    .description('A small, real Kubernetes node stack: kubelet, CRI runtime, CNI plugins, nftables proxy, control plane')
    .version(pkg.version, '-v, --version', 'print the skiff version')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  registerAgent(skiff);
  registerCniServer(skiff);
  registerCri(skiff);
  registerServer(skiff);
  registerUp(skiff);
  return skiff;
}

const startTrace = trace('start');
try {
  await program().parseAsync(process.argv);
} catch (err) {
  // A role that cannot start (a taken port, an unusable data dir, flags that do not fit) has
  // already closed what it started; the user gets one line, the stack only with SKIFF_TRACE=start.
  startTrace(() => (err instanceof Error && err.stack) || String(err));
  process.stderr.write(`skiff: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
