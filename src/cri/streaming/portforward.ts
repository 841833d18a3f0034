// port-forward over either transport. SPDY (portforward.k8s.io): the client opens a pair of
// streams per forwarded connection, an error stream and a data stream, both naming the port
// and sharing a requestID header. WebSocket (v4.channel.k8s.io): the ports come from the CRI
// request; channel 2i carries port i's data both ways and 2i+1 its errors, and each of the two
// starts with the port as 2 bytes little-endian, so the client can tell them apart.
import type { Duplex, Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { SpdySession, SpdyStream } from './spdy/session.js';
import { ChannelConnection, type ChannelKind } from './websocket.js';
import { wsCodec } from './remotecommand.js';

export const SPDY_PORTFORWARD_PROTOCOLS = ['portforward.k8s.io'];
export const WS_PORTFORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', ''];

/** Connects to the port inside the sandbox; what the backend's portForward is. */
export type Dial = (port: number) => Promise<Duplex>;

/** After one direction ends, how long the other may take before we cut it (containerd: 1 s). */
export const HALF_CLOSE_GRACE_MS = 1000;

/**
 * Serves the stream pairs of one SPDY port-forward session until it closes. Streams without a
 * valid port or streamtype are reset, as the kubelet rejects them; a pair whose second stream
 * does not come within timeoutMs gets an error message and is dropped.
 */
export function serveSpdyPortForward(session: SpdySession, sandboxId: string, dial: Dial, timeoutMs: number): Promise<void> {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();
  const running = new Set<Promise<void>>();
  session.on('stream', (s: SpdyStream) => {
    const port = Number(s.headers['port'] ?? '');
    const type = s.headers['streamtype'];
    if (!Number.isInteger(port) || port < 1 || port > 65535 || (type !== 'data' && type !== 'error')) {
      s.reset();
      return;
    }
    s.reply();
    const id = requestId(s, type);
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(id);
        const p = pair!;
        if (p.error) writeThenEnd(p.error, `timed out waiting for streams of request ${id}`);
        p.data?.reset();
      }, timeoutMs);
      pair = { timer };
      pairs.set(id, pair);
    }
    if (pair[type]) return s.reset(); // a second stream of the same kind: protocol misuse
    pair[type] = s;
    if (!pair.data || !pair.error) return;
    clearTimeout(pair.timer);
    pairs.delete(id);
    const { data, error } = pair;
    const job = forward(data, data, error, port, sandboxId, dial).finally(() => running.delete(job));
    running.add(job);
  });
  return new Promise((resolve) => {
    session.once('close', () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      void Promise.all(running).then(() => resolve());
    });
  });
}

/** Old clients sent no requestID; the kubelet derives one from consecutive stream ids. */
function requestId(s: SpdyStream, type: 'data' | 'error'): string {
  return s.headers['requestid'] ?? String(type === 'error' ? s.id : s.id - 2);
}

/**
 * Forwards every port of a WebSocket port-forward connection (one connection to the
 * target per port) and closes the WebSocket when all are done. Never rejects.
 */
export async function serveWsPortForward(ws: WebSocket, protocol: string, ports: readonly number[], sandboxId: string, dial: Dial): Promise<void> {
  const kinds: ChannelKind[] = ports.flatMap(() => ['readWrite', 'write'] as ChannelKind[]);
  const conn = new ChannelConnection(ws, kinds, wsCodec(protocol));
  await Promise.all(ports.map(async (port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    await conn.send(2 * i, prefix);
    await conn.send(2 * i + 1, prefix);
    await forward(conn.readers[2 * i]!, conn.writers[2 * i]!, conn.writers[2 * i + 1]!, port, sandboxId, dial);
  }));
  conn.close();
}

/**
 * Splices the client's data stream and a connection to the port until the target closes (or
 * the client closed its side and the target did not follow within the grace period). A dial
 * or connection failure goes to the error stream as the kubelet words it.
 */
async function forward(fromClient: Readable, toClient: Writable, errors: Writable, port: number, sandboxId: string, dial: Dial): Promise<void> {
  let failure: unknown;
  try {
    const target = await dial(port);
    await new Promise<void>((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(grace);
        resolve();
      };
      target.on('error', (err) => {
        failure = err;
        done();
      });
      target.on('data', (chunk: Buffer) => {
        if (!toClient.write(chunk)) {
          target.pause();
          toClient.once('drain', () => target.resume());
        }
      });
      target.on('end', done);
      target.on('close', done);
      fromClient.on('data', (chunk: Buffer) => {
        if (!target.write(chunk)) {
          fromClient.pause();
          target.once('drain', () => fromClient.resume());
        }
      });
      fromClient.on('end', () => {
        target.end();
        grace = setTimeout(done, HALF_CLOSE_GRACE_MS);
      });
    });
    target.destroy();
  } catch (err) {
    failure = err;
  }
  if (failure !== undefined) {
    const msg = failure instanceof Error ? failure.message : String(failure);
    errors.write(`error forwarding port ${port} to pod ${sandboxId}, uid : ${msg}`);
  }
  await Promise.all([endAndWait(toClient), endAndWait(errors)]);
  fromClient.resume();
}

function endAndWait(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (w.writableFinished || w.destroyed) return resolve();
    w.once('error', () => resolve());
    w.end(() => resolve());
  });
}

function writeThenEnd(w: Writable, text: string): void {
  w.end(text);
}
