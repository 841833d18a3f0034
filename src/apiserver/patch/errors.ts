// The Status errors patches answer with, worded as upstream's patch handler words them.
import { apiError, badRequest, type ApiError } from '../status.js';

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

/** 415, listing the patch types the apiserver accepts. */
export const unsupportedPatchType = (): ApiError =>
  apiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`);

/** 400 for a patch that cannot be read. */
export const badPatch = (message: string): ApiError => badRequest(message);

/** 422 with upstream's generic wording: a well-formed patch that does not apply to this object. */
export const unprocessablePatch = (): ApiError =>
  apiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
