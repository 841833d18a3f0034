import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { zstdDecompress, type ZstdExit } from '../../../src/host/zstd.js';

// The seam runs Debian's zstd (a test dependency like busybox): these check the process
// handling, the decoding itself is libzstd's.

const collect = async (input: Buffer, opts: Parameters<typeof zstdDecompress>[0]) => {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([input]), zstdDecompress(opts), async (out: AsyncIterable<Buffer>) => {
    for await (const c of out) chunks.push(c);
  });
  return Buffer.concat(chunks);
};

test('decompresses what zstd compressed', async (t) => {
  const plain = Buffer.from('hello, layer\n'.repeat(1000));
  const packed = spawnSync('zstd', ['-c', '-q'], { input: plain }).stdout;
  t.deepEqual(await collect(packed, { maxWindowMiB: 8, failure: () => new Error('unexpected') }), plain);
});

test('a corrupt stream fails with the caller\'s error, built from zstd\'s exit and stderr', async (t) => {
  let exit: ZstdExit | undefined;
  const failure = (e: ZstdExit) => {
    exit = e;
    return new Error('caller says: corrupt');
  };
  await t.throwsAsync(collect(Buffer.from('not zstd at all'), { maxWindowMiB: 8, failure }), { message: 'caller says: corrupt' });
  t.not(exit?.code, 0);
  t.regex(exit?.stderr ?? '', /\S/);
});

test('a missing binary fails with "cannot run", not a hang', async (t) => {
  await t.throwsAsync(collect(Buffer.from('x'), { maxWindowMiB: 8, failure: () => new Error('unexpected'), binary: '/nonexistent/zstd' }), { message: /cannot run the zstd decompressor/ });
});
