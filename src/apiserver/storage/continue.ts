// Continue tokens for chunked lists, shaped like upstream's (base64 of
// {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the prefix>\u0000"}), so a token names the
// revision to keep reading at and where the next page starts.
import { badRequest } from '../status.js';

export interface ContinueToken { revision: number; after: string }

/** Never throws. */
export function encodeContinue(revision: number, prefix: string, lastKey: string): string {
  const start = `${lastKey.slice(prefix.length)}\u0000`;
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start })).toString('base64url');
}

/** Throws ApiError 400 on a malformed token or one from another list. */
export function decodeContinue(token: string, prefix: string): ContinueToken {
  let parsed: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data or JSON');
  }
  if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string' || !parsed.start.endsWith('\u0000')) {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  const rel = parsed.start.slice(0, -1);
  if (rel.includes('..') || rel.startsWith('/')) throw badRequest('continue key is not valid: path traversal');
  return { revision: parsed.rv, after: `${prefix}${rel}` };
}
