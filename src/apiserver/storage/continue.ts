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

/**
 * Throws ApiError 400 on a malformed token or one from another list. The store reads only
 * within `prefix` whatever the token says; the start key must still be a clean path (upstream's
 * path.Clean test), which refuses `..` segments but not names such as ClusterRole `a..b`.
 */
export function decodeContinue(token: string, prefix: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data or JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('continue key is not valid: not a JSON object');
  const { v, rv, start } = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== 'meta.k8s.io/v1') throw badRequest(`continue key is not valid: server does not recognize this encoded version ${JSON.stringify(String(v))}`);
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv <= 0) {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof start !== 'string' || start === '') throw badRequest('continue key is not valid: encoded start key empty (version meta.k8s.io/v1)');
  if (!isCleanPath(start.startsWith('/') ? start : `/${start}`)) throw badRequest(`continue key is not valid: ${start}`);
  // A token's start is the last key plus NUL (the first key after it); one without is read as is.
  return { revision: rv, after: `${prefix}${start.replace(/^\//, '').replace(/\u0000$/, '')}` };
}

/** What Go's path.Clean leaves unchanged: no empty, '.' or '..' segments, no trailing '/'. */
function isCleanPath(p: string): boolean {
  if (p === '/') return true;
  return p.split('/').slice(1).every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
