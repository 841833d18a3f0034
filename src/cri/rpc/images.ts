// ImageService handlers.
import type { ImageHandlers } from './types.js';

export const imageRpcs: ImageHandlers = {};
