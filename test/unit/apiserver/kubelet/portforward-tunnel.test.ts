import type { IncomingMessage } from 'node:http';
import test from 'ava';
import { spdyRequestHead, tunnelledProtocols } from '../../../../src/apiserver/kubelet/portforward-tunnel.js';

const request = (headers: Record<string, string>, raw: string[] = []) => ({ headers, rawHeaders: raw, method: 'GET' }) as unknown as IncomingMessage;

test('the tunnelled protocols: SPDY/3.1+<p>.k8s.io offers of a WebSocket request, without the prefix', (t) => {
  t.deepEqual(tunnelledProtocols(request({ upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io, v4.channel.k8s.io' })), ['portforward.k8s.io']);
  t.deepEqual(tunnelledProtocols(request({ upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' })), []);
  t.deepEqual(tunnelledProtocols(request({ upgrade: 'SPDY/3.1', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' })), [], 'not a WebSocket request');
});

test('the kubelet gets a SPDY upgrade POST with the tunnelled protocols and none of the WebSocket or credential headers', (t) => {
  const req = request({}, ['Host', 'api', 'Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Key', 'k', 'Sec-WebSocket-Version', '13',
    'Sec-WebSocket-Protocol', 'SPDY/3.1+portforward.k8s.io', 'Authorization', 'Bearer t', 'User-Agent', 'kubectl/v1.32']);
  t.is(spdyRequestHead(req, new URL('https://127.0.0.1:10250/portForward/ns/web?port=80'), ['portforward.k8s.io']), [
    'POST /portForward/ns/web?port=80 HTTP/1.1', 'Host: 127.0.0.1:10250', 'Connection: Upgrade', 'Upgrade: SPDY/3.1',
    'X-Stream-Protocol-Version: portforward.k8s.io', 'User-Agent: kubectl/v1.32', '', '',
  ].join('\r\n'));
});
