import type { Command } from 'commander';
import { serveUntilSignal } from './serve.js';

// `skiff cni-server`: answers the calls that skiff's CNI executables (dist/cni/skiff-<name>,
// the native shim) forward, so an exec'd plugin costs no Node start-up. Composition root:
// real host seams, one socket, serves until a signal.

export interface CniServerCliOptions {
  socket: string;
}

export function registerCniServer(program: Command): void {
  program
    .command('cni-server')
    .description('run skiff\'s CNI plugins for their executables, which forward each call over a unix socket')
    .option('--socket <path>', 'unix socket to serve on (the executables read $SKIFF_CNI_SOCKET, default the same)', '/run/skiff/cni.sock')
    .action(async (opts: CniServerCliOptions) => {
      await runCniServer(opts);
    });
}

/** Serves until SIGTERM or SIGINT, then closes and removes the socket; sets the exit status.
 *  Rejects when the socket cannot be served (another server on it, no permission). */
export async function runCniServer(opts: CniServerCliOptions): Promise<void> {
  process.exitCode = await serveUntilSignal('skiff cni-server', async () => {
    const [{ serveCni }, { realHost }] = await Promise.all([import('../cni/daemon/server.js'), import('../host/index.js')]);
    const server = await serveCni({ socket: opts.socket, deps: realHost(), log: (line) => process.stderr.write(`${line}\n`) });
    return { on: server.socket, closers: [{ name: 'the CNI socket', close: () => server.close() }] };
  });
}
