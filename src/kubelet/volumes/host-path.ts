// hostPath volumes: the node's own path, checked against the declared type as upstream's
// hostPath plugin does (checkType), creating it only for the *OrCreate types.
import type { HostPathVolumeSource } from '../../api/types.js';
import type { FileInfo, Files } from '../../host/files/types.js';
import { VolumeError } from './errors.js';

const EXPECT = new Map<string, { kind: FileInfo['kind']; what: string }>([
  ['Directory', { kind: 'dir', what: 'a directory' }],
  ['DirectoryOrCreate', { kind: 'dir', what: 'a directory' }],
  ['File', { kind: 'file', what: 'a file' }],
  ['FileOrCreate', { kind: 'file', what: 'a file' }],
  ['Socket', { kind: 'socket', what: 'a socket file' }],
  ['CharDevice', { kind: 'char', what: 'a character device' }],
  ['BlockDevice', { kind: 'block', what: 'a block device' }],
]);

/** Resolves with the path to bind; rejects with VolumeError `hostPath type check failed: ...`. */
export async function setUpHostPath(files: Files, src: HostPathVolumeSource): Promise<string> {
  const type = src.type ?? '';
  if (type === '') return src.path;
  const expect = EXPECT.get(type);
  if (!expect) throw new VolumeError(`invalid HostPathType ${type}`);
  // Symlinks are followed, as upstream's os.Stat: a link to a directory is a directory.
  const info = await files.stat(src.path);
  if (!info && type === 'DirectoryOrCreate') {
    await files.mkdir(src.path, { recursive: true, mode: 0o755 });
    return src.path;
  }
  if (!info && type === 'FileOrCreate') {
    await files.write(src.path, '', { mode: 0o644 });
    return src.path;
  }
  if (info?.kind !== expect.kind) throw new VolumeError(`hostPath type check failed: ${src.path} is not ${expect.what}`);
  return src.path;
}
