// A TCP connection from inside a pinned network namespace, for the runtime's portForward,
// without running JavaScript in that namespace (setns is per thread, and Node always has
// threads): `nsenter --net=<pin> busybox nc 127.0.0.1 <port>`, its stdio as the connection,
// as containerd once did with socat. busybox nc half-closes the socket when its stdin ends
// and exits when the peer closes, so both directions of a Duplex map onto it.
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { spawnInNetns, type PipedChild } from '../../host/netns-exec.js';

export interface DialOptions {
  /** Defaults to the Debian busybox-static path, whose `nc` we rely on. */
  busybox?: string;
  nsenter?: string;
}

/**
 * Connects to 127.0.0.1:port inside the network namespace pinned at netnsPath. Resolves once
 * the helper process runs; a refused or failed connection shows as an 'error' on the Duplex
 * carrying nc's own message. Destroying the Duplex kills the helper by PID.
 */
export async function dialInNetns(netnsPath: string, port: number, opts: DialOptions = {}): Promise<Duplex> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`port ${port} out of range`);
  const child = await spawnInNetns(netnsPath, [opts.busybox ?? '/bin/busybox', 'nc', '127.0.0.1', String(port)], opts.nsenter);
  return new NetnsConnection(child);
}

/**
 * Connects to 127.0.0.1:port in the runtime's own network namespace, which is a host-network
 * pod's (containerd dials tcp4 localhost there too). Resolves once connected; rejects with the
 * socket's error (ECONNREFUSED ...). The socket half-closes like the netns connection does.
 */
export function dialLoopback(port: number): Promise<Duplex> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.reject(new RangeError(`port ${port} out of range`));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

class NetnsConnection extends Duplex {
  private stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(private readonly child: PipedChild) {
    super({ allowHalfOpen: true });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
    child.stdout.on('data', (d: Buffer) => {
      if (!this.push(d)) child.stdout.pause();
    });
    // Only the exit status tells a clean close from a failed connection.
    child.stdout.once('end', () => void this.exited.then((code) => {
      if (code === 0 || code === null) this.push(null);
      else this.destroy(new Error(this.stderr.trim() || `nc exited with ${code}`));
    }));
    child.stdin.on('error', () => {}); // EPIPE once nc is gone; the read side reports why
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.child.stdin.destroyed) return cb();
    if (this.child.stdin.write(chunk)) cb();
    else this.child.stdin.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {}
    }
    cb(err);
  }
}
