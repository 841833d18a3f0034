// status.images (upstream nodestatus.Images): the largest images first, at most 50, each with
// up to 5 names, digests before tags.
import type { ContainerImage } from '../../api/types.js';

export const MAX_IMAGES = 50;
export const MAX_NAMES_PER_IMAGE = 5;

/** An image as CRI ListImages returns it (size is int64 as a decimal string). */
export interface CriImage {
  repoTags: readonly string[];
  repoDigests: readonly string[];
  size: string;
}

export function nodeImages(images: readonly CriImage[]): ContainerImage[] {
  return [...images]
    .sort((a, b) => Number(b.size) - Number(a.size))
    .slice(0, MAX_IMAGES)
    .map((img) => ({ names: [...img.repoDigests, ...img.repoTags].slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: Number(img.size) }));
}
