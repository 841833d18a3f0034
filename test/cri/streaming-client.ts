// Streaming clients for the suite: the same client-go behaviour as test/helpers/spdy-client.ts
// and ws-client.ts, but every connection is dialled from inside the fixture's node netns,
// where the runtime's streaming server listens on 127.0.0.1. The test process itself stays
// in the host netns (setns is per thread and Node has threads), so each HTTP connection is a
// `busybox nc` run there (src/cri/streaming/netns-dial.ts) handed to http/ws as the socket.
import type { ClientRequestArgs } from 'node:http';
import { dialInNetns } from '../../src/cri/streaming/netns-dial.js';
import type { SpdySession, SpdyStream } from '../../src/cri/streaming/spdy/session.js';
import type { Status } from '../../src/cri/streaming/status.js';
import { CLIENT_GO_EXEC_PROTOCOLS, spdyConnect as connectSpdy, readAll } from '../helpers/spdy-client.js';
import { wsExec as wsExecVia, type WsExecResult } from '../helpers/ws-client.js';

/** What an exec or attach brought back; the Status is the error stream parsed (v4/v5). */
export type StreamResult = WsExecResult;

type CreateConnection = NonNullable<ClientRequestArgs['createConnection']>;

/** An http createConnection that reaches the URL's port on the loopback of netns. */
function viaNetns(netns: string, url: string): CreateConnection {
  const port = Number(new URL(url).port || 80);
  return (_opts, cb) => {
    dialInNetns(netns, port).then((s) => {
      // The read side ends only once nc has exited: nothing can be written any more, so close
      // as a kernel socket would (ws otherwise waits out its 30 s close timer after a server's
      // plain TCP close, as the kubelet's websocket server does after a v4 exec).
      s.once('end', () => setImmediate(() => s.destroy()));
      cb(null, s as never);
    }, (err: Error) => cb(err, undefined as never));
    return undefined as never;
  };
}

/** POSTs the SPDY/3.1 upgrade as kubectl does; rejects with UpgradeRefused for a non-101 answer. */
export function spdyConnect(netns: string, url: string, protocols: string[]): Promise<{ session: SpdySession; protocol: string }> {
  return connectSpdy(url, protocols, { createConnection: viaNetns(netns, url) });
}

/** Exec or attach over SPDY as client-go's v4 executor: error stream first, then stdin,
 *  stdout, stderr, each after the previous SYN_REPLY; stdin half-closed at its end. */
export async function spdyStream(netns: string, url: string, o: { stdin?: string; stderr?: boolean } = {}): Promise<StreamResult> {
  const { session, protocol } = await spdyConnect(netns, url, CLIENT_GO_EXEC_PROTOCOLS);
  try {
    const open = (streamtype: string) => session.open({ streamtype });
    const error = await open('error');
    const stdin = o.stdin !== undefined ? await open('stdin') : undefined;
    const stdout = await open('stdout');
    const stderr = o.stderr !== false ? await open('stderr') : undefined;
    const [out, err, rawError] = await Promise.all([readAll(stdout), stderr ? readAll(stderr) : '', readAll(error), stdin && endWith(stdin, o.stdin!)]);
    return { stdout: out, stderr: err, rawError, status: rawError && protocol.startsWith('v4.') ? (JSON.parse(rawError) as Status) : undefined, protocol };
  } finally {
    session.close();
  }
}

/** One forwarded connection as client-go's portforward makes it: an error stream (half-closed
 *  at once), then the data stream, both with the port and requestID headers. */
export async function spdyPortForward(netns: string, url: string, port: number, send: string): Promise<{ data: string; error: string }> {
  const { session } = await spdyConnect(netns, url, ['portforward.k8s.io']);
  try {
    const headers = { port: String(port), requestid: '0' };
    const error = await session.open({ ...headers, streamtype: 'error' });
    error.end();
    const data = await session.open({ ...headers, streamtype: 'data' });
    const [got, errText] = await Promise.all([readAll(data), readAll(error), endWith(data, send)]);
    return { data: got, error: errText };
  } finally {
    session.close();
  }
}

/** Exec over the WebSocket channel protocol, as client-go's websocket executor: stdin on
 *  channel 0 (then, for v5, the close signal), output on 1 and 2, the Status on 3. Rejects
 *  when the server refuses the upgrade or negotiates none of `protocols`. */
export function wsExec(netns: string, url: string, protocols: string[], o: { stdin?: string } = {}): Promise<StreamResult> {
  return wsExecVia(url, { ...o, protocols, connect: { createConnection: viaNetns(netns, url) as never } });
}


function endWith(s: SpdyStream, data: string): Promise<void> {
  return new Promise((resolve) => s.end(data, () => resolve()));
}
