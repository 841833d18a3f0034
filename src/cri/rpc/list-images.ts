// ListImages: every image, or the one filter.image.image names (resolved like ImageStatus).
import type { ImageRpcs } from '../api.js';
import { toCriImage } from '../images/cri.js';
import type { Handler } from './types.js';

export const listImages: Handler<ImageRpcs['ListImages']> = async (req, { deps }) => ({
  images: deps.images.list(req.filter?.image?.image || undefined).map(toCriImage),
});
