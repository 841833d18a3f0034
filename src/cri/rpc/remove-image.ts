// RemoveImage: the image with all its tags; an absent image is success (idempotent), and
// layers a container still runs on stay until its rootfs is removed.
import type { ImageRpcs } from '../api.js';
import { invalidArgument } from '../errors.js';
import type { Handler } from './types.js';

export const removeImage: Handler<ImageRpcs['RemoveImage']> = async (req, { deps }) => {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('image.image is required');
  await deps.images.remove(ref);
  return {};
};
