// What the streaming server runs requests against: `runc exec` for exec, the sandbox's
// network namespace for port-forward. Attach needs conmon's attach socket (SOCK_SEQPACKET,
// which Node cannot open) and is refused with a clear error until the addon can.
import { finished } from 'node:stream/promises';
import type { Duplex } from 'node:stream';
import type { CriDeps } from '../deps.js';
import { failedPrecondition, notFound, unimplemented } from '../errors.js';
import { dialInNetns } from '../streaming/netns-dial.js';
import type { StreamingBackend, StreamingIo } from '../streaming/server.js';

export function streamingBackend(deps: Pick<CriDeps, 'containers' | 'sandboxes' | 'oci'>): StreamingBackend {
  return {
    async exec(containerId: string, cmd: string[], io: StreamingIo): Promise<number> {
      const c = deps.containers.mustGet(containerId);
      if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running`);
      const p = await deps.oci.exec(c.id, cmd, { tty: io.tty, stdin: !!io.stdin });
      if (io.stdin && p.stdin) io.stdin.pipe(p.stdin).on('error', () => undefined);
      const outputs: Promise<void>[] = [];
      if (io.stdout) outputs.push(finished(p.stdout.pipe(io.stdout, { end: false }) && p.stdout).catch(() => undefined));
      else p.stdout.resume();
      if (p.stderr) {
        if (io.stderr) outputs.push(finished(p.stderr.pipe(io.stderr, { end: false }) && p.stderr).catch(() => undefined));
        else p.stderr.resume();
      }
      const code = await p.exit;
      await Promise.all(outputs);
      io.stdin?.unpipe();
      return code;
    },
    async attach(containerId: string): Promise<void> {
      const c = deps.containers.mustGet(containerId);
      throw unimplemented(`attach to container ${c.id} is not supported by skiff yet (use exec or the log)`);
    },
    async portForward(sandboxId: string, port: number): Promise<Duplex> {
      const s = deps.sandboxes.find(sandboxId);
      if (!s) throw notFound(`sandbox "${sandboxId}" not found`);
      if (!s.netns || s.state !== 'SANDBOX_READY') throw failedPrecondition(`sandbox ${s.id} has no network namespace to forward into`);
      return dialInNetns(s.netns, port);
    },
  };
}
