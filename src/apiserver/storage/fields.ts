// Reading the kind-specific parts of a stored object (spec, status...), whose shape the generic
// storage does not know: stored objects passed validation, but a field may be absent, so each
// read narrows instead of trusting.
import { isObject, type JsonObject } from '../../api/types.js';

/** v when it is a JSON object, else a fresh empty one (for reading optional sections). */
export const section = (v: unknown): JsonObject => (isObject(v) ? v : {});

export const stringOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const numberOf = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
