// What the streaming server runs requests against: `runc exec` (on a pseudo-terminal for
// tty) for exec, conmon's attach socket for attach, the sandbox's network namespace for
// port-forward (the runtime's own for a host-network pod).
import { finished } from 'node:stream/promises';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { CriDeps } from '../deps.js';
import { failedPrecondition, notFound } from '../errors.js';
import { namespaceModes } from '../sandbox/namespaces.js';
import { dialInNetns, dialLoopback } from '../streaming/netns-dial.js';
import type { StreamingBackend, StreamingIo, TerminalSize } from '../streaming/server.js';

/** Copies a process's output into the client's stream without ending it; resolves when the output ended. */
function forward(from: Readable | undefined, to: Writable | undefined): Promise<void> | undefined {
  if (!from) return undefined;
  if (!to) {
    from.resume();
    return undefined;
  }
  from.pipe(to, { end: false });
  return finished(from).catch(() => undefined);
}

/** Applies the client's terminal sizes until they end (or the session does). */
async function followResize(sizes: AsyncIterable<TerminalSize> | undefined, resize: ((w: number, h: number) => void) | undefined): Promise<void> {
  if (!sizes || !resize) return;
  try {
    for await (const s of sizes) resize(s.width, s.height);
  } catch {
    // the resize stream broke: the session goes on without it
  }
}

export function streamingBackend(deps: Pick<CriDeps, 'state' | 'oci'>): StreamingBackend {
  return {
    async exec(containerId: string, cmd: string[], io: StreamingIo): Promise<number> {
      const c = deps.state.containers.mustGet(containerId);
      if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running`);
      const p = await deps.oci.exec(c.id, cmd, { tty: io.tty, stdin: !!io.stdin });
      if (io.stdin && p.stdin) io.stdin.pipe(p.stdin).on('error', () => undefined);
      void followResize(io.resize, p.resize);
      const outputs = [forward(p.stdout, io.stdout), forward(p.stderr, io.stderr)];
      const code = await p.exit;
      await Promise.all(outputs);
      io.stdin?.unpipe();
      return code;
    },
    async attach(containerId: string, io: StreamingIo): Promise<void> {
      const c = deps.state.containers.mustGet(containerId);
      if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running`);
      if (io.stdin && !c.config.stdin) throw failedPrecondition(`container ${c.id} was not created with stdin`);
      const a = await deps.oci.attach(c.dir, { stdin: !!io.stdin, tty: c.config.tty });
      void followResize(io.resize, a.resize);
      const outputs = Promise.all([forward(a.stdout, io.stdout), forward(a.stderr, io.stderr)]);
      let stdinDone: Promise<void> | undefined;
      if (io.stdin && a.stdin) {
        io.stdin.pipe(a.stdin).on('error', () => undefined);
        stdinDone = finished(io.stdin).catch(() => undefined);
      }
      // As CRI-O: the client's stdin ending detaches it, unless the container closes its stdin
      // then (stdinOnce) or has a terminal: then the output's end is awaited.
      const detach = stdinDone && !c.config.stdinOnce && !c.config.tty ? stdinDone : new Promise<void>(() => undefined);
      await Promise.race([outputs, detach]);
      io.stdin?.unpipe();
      await a.close();
      await outputs;
    },
    async portForward(sandboxId: string, port: number): Promise<Duplex> {
      const s = deps.state.sandboxes.find(sandboxId);
      if (!s) throw notFound(`sandbox "${sandboxId}" not found`);
      if (s.state !== 'SANDBOX_READY') throw failedPrecondition(`sandbox ${s.id} is not ready`);
      // A host-network pod listens in the node's namespace, which is the runtime's own.
      if (namespaceModes(s.config).hostNetwork) return dialLoopback(port);
      if (!s.resources.netns) throw failedPrecondition(`sandbox ${s.id} has no network namespace to forward into`);
      return dialInNetns(s.resources.netns, port);
    },
  };
}
