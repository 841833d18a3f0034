// A WebSocket client for the Kubernetes channel protocols, like client-go's: exec over
// v5.channel.k8s.io (stdin on channel 0, then the close signal 255,0 at its end; output on
// 1 and 2; the Status on 3), and port-forward over v4.channel.k8s.io (port prefix frames,
// then data on channel 2i and errors on 2i+1).
import { WebSocket, type ClientOptions } from 'ws';
import { CLOSE_CHANNEL, decodeFrame, encodeFrame } from '../../src/cri/streaming/websocket.js';
import type { Status } from '../../src/cri/streaming/status.js';

export interface WsExecResult {
  stdout: string;
  stderr: string;
  status: Status | undefined;
  rawError: string;
  protocol: string;
}

/** Handlers go on before 'open': frames that came with the upgrade response are emitted
 *  right after it. */
export function connect(url: string, protocols: string[], onMessage: (ws: WebSocket, msg: Buffer, isBinary: boolean) => void, opts: ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols, opts);
  ws.on('message', (msg: Buffer, isBinary: boolean) => onMessage(ws, msg, isBinary));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/**
 * Runs an exec or attach over WebSocket: stdin (then the close signal, where the protocol has
 * one), output collected per channel until the server closes. The Status on channel 3 is JSON
 * from v4 on; older protocols carry plain text there (rawError only).
 */
export async function wsExec(url: string, o: { stdin?: string; protocols?: string[]; connect?: ClientOptions } = {}): Promise<WsExecResult> {
  const out: string[] = ['', '', '', ''];
  const ws = await connect(url, o.protocols ?? ['v5.channel.k8s.io'], (w, msg, isBinary) => {
    const f = decodeFrame(codecOf(w.protocol), isBinary ? msg : msg.toString());
    if (f && f.channel < out.length) out[f.channel] += f.data.toString();
  }, o.connect);
  const closed = ws.readyState === ws.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const codec = codecOf(ws.protocol);
  if (o.stdin !== undefined) {
    ws.send(encodeFrame(codec, 0, Buffer.from(o.stdin)));
    if (codec.closeSignal) ws.send(Buffer.of(CLOSE_CHANNEL, 0));
  }
  await closed;
  const rawError = out[3]!;
  return { stdout: out[1]!, stderr: out[2]!, rawError, status: rawError && /^v[45]\./.test(ws.protocol) ? (JSON.parse(rawError) as Status) : undefined, protocol: ws.protocol };
}

/** Sends `send` on each port's data channel, collects what comes back until the server
 *  closes; prefixes are checked and stripped. */
export async function wsPortForward(url: string, ports: number[], send = '', protocol = 'v4.channel.k8s.io'): Promise<{ data: string; error: string }[]> {
  const codec = codecOf(protocol);
  const chans = ports.flatMap(() => [{ prefix: Buffer.alloc(0), text: '' }, { prefix: Buffer.alloc(0), text: '' }]);
  const ws = await connect(url, [protocol], (_w, msg, isBinary) => {
    const f = decodeFrame(codec, isBinary ? msg : msg.toString());
    const c = f && chans[f.channel];
    if (!c || !f) return;
    let data = f.data;
    if (c.prefix.length < 2) {
      const need = 2 - c.prefix.length;
      c.prefix = Buffer.concat([c.prefix, data.subarray(0, need)]);
      data = data.subarray(need);
    }
    c.text += data.toString();
  });
  const closed = ws.readyState === ws.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => ws.once('close', () => resolve()));
  if (send) ports.forEach((_, i) => ws.send(encodeFrame(codec, 2 * i, Buffer.from(send))));
  await closed;
  return ports.map((port, i) => {
    const [d, e] = [chans[2 * i]!, chans[2 * i + 1]!];
    if (d.prefix.readUInt16LE(0) !== port || e.prefix.readUInt16LE(0) !== port) throw new Error(`port prefix mismatch for ${port}`);
    return { data: d.text, error: e.text };
  });
}

export function codecOf(protocol: string) {
  return { base64: protocol.includes('base64'), closeSignal: protocol.startsWith('v5.') };
}
