import type { IncomingMessage } from 'node:http';
import test from 'ava';
import { upgradeRequestHead } from '../../../src/http/upgrade-proxy.js';

test('the upgrade goes on with the client\'s method and protocol headers, the target\'s path and host, and none of the caller\'s credentials', (t) => {
  const req = {
    method: 'POST',
    rawHeaders: [
      'Host', 'apiserver:6443', 'Connection', 'Upgrade', 'Upgrade', 'SPDY/3.1', 'X-Stream-Protocol-Version', 'v4.channel.k8s.io',
      'X-Stream-Protocol-Version', 'v3.channel.k8s.io', 'Authorization', 'Bearer secret', 'Impersonate-User', 'root', 'Impersonate-Group', 'g',
    ],
  } as unknown as IncomingMessage;
  const head = upgradeRequestHead(req, new URL('https://127.0.0.1:10250/exec/ns/p/c?command=ls&output=1'));
  t.is(head, [
    'POST /exec/ns/p/c?command=ls&output=1 HTTP/1.1', 'Host: 127.0.0.1:10250', 'Connection: Upgrade', 'Upgrade: SPDY/3.1',
    'X-Stream-Protocol-Version: v4.channel.k8s.io', 'X-Stream-Protocol-Version: v3.channel.k8s.io', '', '',
  ].join('\r\n'));
});
