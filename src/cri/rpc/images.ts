// ImageService handlers.
import { imageFsInfo } from './image-fs-info.js';
import { imageStatus } from './image-status.js';
import { listImages } from './list-images.js';
import { pullImage } from './pull-image.js';
import { removeImage } from './remove-image.js';
import type { ImageHandlers } from './types.js';

export const imageRpcs: ImageHandlers = {
  PullImage: pullImage,
  ListImages: listImages,
  ImageStatus: imageStatus,
  RemoveImage: removeImage,
  ImageFsInfo: imageFsInfo,
};
