import type { Command } from 'commander';

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

/** Serves until SIGTERM or SIGINT, then closes and removes the socket. Rejects when the socket
 *  cannot be served (another server on it, no permission). */
export async function runCniServer(opts: CniServerCliOptions): Promise<void> {
  const [{ serveCni }, { realHost }] = await Promise.all([import('../cni/daemon/server.js'), import('../host/index.js')]);
  const server = await serveCni({ socket: opts.socket, deps: realHost(), log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`skiff cni-server: serving on ${server.socket}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
}
