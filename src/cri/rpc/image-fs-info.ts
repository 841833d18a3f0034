// ImageFsInfo: the store's disk use, which the kubelet's image GC compares with its
// thresholds. Container writable layers live on the same filesystem, so like containerd
// 1.x only image_filesystems is filled.
import type { ImageRpcs } from '../api.js';
import type { Handler } from './types.js';

export const imageFsInfo: Handler<ImageRpcs['ImageFsInfo']> = async (_req, { deps }) => {
  const u = await deps.images.fsInfo();
  return {
    imageFilesystems: [{ timestamp: u.timestamp, fsId: { mountpoint: u.mountpoint }, usedBytes: { value: u.usedBytes }, inodesUsed: { value: u.inodesUsed } }],
    containerFilesystems: [],
  };
};
