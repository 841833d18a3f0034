// ImageStatus: an absent image is `image: null`, not an error (the kubelet pulls then).
import type { ImageRpcs } from '../api.js';
import { toCriImage, verboseInfo } from '../images/cri.js';
import { invalidArgument } from '../errors.js';
import type { Handler } from './types.js';

export const imageStatus: Handler<ImageRpcs['ImageStatus']> = async (req, { deps }) => {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('image.image is required');
  const rec = deps.images.get(ref);
  if (!rec) return { image: null, info: {} };
  return { image: toCriImage(rec), info: req.verbose ? verboseInfo(rec) : {} };
};
