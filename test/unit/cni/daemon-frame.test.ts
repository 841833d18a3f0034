import test from 'ava';
import {
  decodeRequest, decodeResponse, encodeRequest, encodeResponse, FrameError, FrameReader, MAGIC, MAX_BODY, type CniRequest,
} from '../../../src/cni/daemon/frame.js';

// The shim's wire (native/cni-shim.c writes requests and reads responses in this layout).
const request: CniRequest = {
  pid: 4242, netnsInode: 4026531840n, mntnsInode: 4026531841n, plugin: 'skiff-bridge',
  env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/p', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin', CNI_ARGS: 'A=b=c;K=v' },
  stdin: JSON.stringify({ cniVersion: '1.1.0', name: 'net', type: 'skiff-bridge', note: 'ünïcødé' }),
};

/** Feeds a frame to a FrameReader in pieces of `size` bytes; resolves with the body. */
function readInPieces(frame: Buffer, size: number): Buffer | undefined {
  const reader = new FrameReader();
  let body: Buffer | undefined;
  for (let at = 0; at < frame.length; at += size) {
    const got = reader.push(frame.subarray(at, at + size));
    if (got) body = got;
  }
  return body;
}

test('a request round-trips, also when it arrives a byte at a time', (t) => {
  const frame = encodeRequest(request);
  t.deepEqual(decodeRequest(readInPieces(frame, frame.length)!), request);
  t.deepEqual(decodeRequest(readInPieces(frame, 1)!), request);
});

test('the request layout is the shim\'s: "SKC2", then pid, the net and mount namespace inodes, the name', (t) => {
  const frame = encodeRequest(request);
  t.is(frame.toString('latin1', 0, 4), 'SKC2');
  t.is(frame.readUInt32LE(4), frame.length - 8);
  t.is(frame.readUInt32LE(8), 4242);
  t.is(frame.readBigUInt64LE(12), 4026531840n);
  t.is(frame.readBigUInt64LE(20), 4026531841n);
  t.is(frame.readUInt32LE(28), 'skiff-bridge'.length);
  t.is(frame.toString('utf8', 32, 44), 'skiff-bridge');
  t.is(encodeResponse({ exitCode: 0, stdout: '', stderr: '' }).toString('latin1', 0, 4), 'SKC2');
});

test('a frame of the previous wire ("SKC1", no mount namespace) is refused by its magic', (t) => {
  const old = encodeRequest(request);
  old.write('SKC1', 0, 'latin1');
  t.throws(() => new FrameReader().push(old), { instanceOf: FrameError, message: /magic/ });
});

test('a response round-trips with empty and non-ASCII parts', (t) => {
  for (const res of [{ exitCode: 0, stdout: '{"cniVersion":"1.1.0"}', stderr: '' }, { exitCode: 1, stdout: '', stderr: 'línea\n' }]) {
    t.deepEqual(decodeResponse(readInPieces(encodeResponse(res), 3)!), res);
  }
});

test('an incomplete frame gives nothing yet, and says it is partial', (t) => {
  const frame = encodeRequest(request);
  const reader = new FrameReader();
  t.is(reader.push(frame.subarray(0, frame.length - 1)), undefined);
  t.true(reader.partial);
});

test('a truncated body is refused', (t) => {
  const body = encodeRequest(request).subarray(8);
  for (const cut of [0, 3, 11, 20, body.length - 1]) {
    t.throws(() => decodeRequest(body.subarray(0, cut)), { instanceOf: FrameError }, `cut at ${cut}`);
  }
  t.throws(() => decodeResponse(encodeResponse({ exitCode: 0, stdout: 'x', stderr: 'y' }).subarray(8, 16)), { instanceOf: FrameError });
});

test('a frame over the limit is refused from its header, before its body arrives', (t) => {
  const head = Buffer.alloc(8);
  MAGIC.copy(head);
  head.writeUInt32LE(MAX_BODY + 1, 4);
  t.throws(() => new FrameReader().push(head), { instanceOf: FrameError, message: /limit/ });
  t.throws(() => encodeRequest({ ...request, stdin: 'x'.repeat(MAX_BODY) }), { instanceOf: FrameError, message: /limit/ });
});

test('wrong magic, stray bytes and bytes after the frame are refused', (t) => {
  t.throws(() => new FrameReader().push(Buffer.from('GET / HTTP/1.1\r\n')), { instanceOf: FrameError, message: /magic/ });
  t.throws(() => new FrameReader().push(Buffer.from('SX')), { instanceOf: FrameError, message: /magic/ });
  const frame = encodeRequest(request);
  t.throws(() => new FrameReader().push(Buffer.concat([frame, Buffer.from([0])])), { instanceOf: FrameError });
  const reader = new FrameReader();
  reader.push(frame);
  t.throws(() => reader.push(Buffer.from([0])), { instanceOf: FrameError });
  const body = frame.subarray(8);
  t.throws(() => decodeRequest(Buffer.concat([body, Buffer.from([0])])), { instanceOf: FrameError, message: /stray/ });
});

test('only CNI_ variables and a plain plugin name are accepted', (t) => {
  t.throws(() => decodeRequest(encodeRequest({ ...request, env: { PATH: '/bin' } }).subarray(8)), { instanceOf: FrameError, message: /CNI_/ });
  t.throws(() => decodeRequest(encodeRequest({ ...request, plugin: '../skiff-bridge' }).subarray(8)), { instanceOf: FrameError, message: /plugin/ });
  t.throws(() => decodeRequest(encodeRequest({ ...request, plugin: '' }).subarray(8)), { instanceOf: FrameError, message: /plugin/ });
});
