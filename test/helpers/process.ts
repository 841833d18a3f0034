import { spawn, type ChildProcess } from 'node:child_process';
import type { ExecutionContext } from 'ava';

/**
 * A TCP server inside a netns that answers `reply` to every connection ('$remote': the
 * client's address as the server sees it); killed by PID at teardown.
 */
export async function tcpServer(t: ExecutionContext, netns: string, port: number, reply: string): Promise<ChildProcess> {
  const answer = reply === '$remote' ? 's.remoteAddress.replace(/^::ffff:/, "")' : JSON.stringify(reply);
  const code = `require('net').createServer((s) => s.end(${answer})).listen(${port}, () => console.log('ready'))`;
  const child = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`server in ${netns} exited with ${c}`)));
  });
  return child;
}

/** Connects from inside a netns; resolves with what the server said, or 'ERR <code>'. */
export function tcpGet(netns: string, host: string, port: number, timeoutMs = 2000): Promise<string> {
  const code = `const s = require('net').connect(${port}, ${JSON.stringify(host)}); let d = ''; s.setTimeout(${timeoutMs}, () => { console.log('ERR TIMEOUT'); process.exit(0); });
s.on('data', (c) => (d += c)); s.on('end', () => { console.log(d); process.exit(0); }); s.on('error', (e) => { console.log('ERR ' + e.code); process.exit(0); });`;
  return new Promise((resolve) => {
    const child = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => resolve(out.trim()));
  });
}
