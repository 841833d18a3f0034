// Static bearer tokens from a CSV file (upstream --token-auth-file): one line per token,
// `token,user,uid[,"group1,group2"]`, read once at start.
import { parse } from 'csv-parse/sync';
import { realFiles } from '../../host/files/real.js';
import type { Files } from '../../host/files/types.js';
import type { UserInfo } from './types.js';

/**
 * Parses the token CSV into token -> user. A later line with the same token wins, as upstream.
 * Throws an Error naming the file and line on a record with fewer than 3 columns or bad CSV.
 */
export function parseTokenCsv(text: string, source = 'token file'): Map<string, UserInfo> {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, ltrim: true, skip_empty_lines: true });
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const tokens = new Map<string, UserInfo>();
  records.forEach((record, i) => {
    if (record.length < 3) throw new Error(`${source} must have at least 3 columns (token, user name, user uid), found ${record.length} on record ${i + 1}`);
    const [token, name, uid, groups] = record as [string, string, string, string?];
    // Upstream skips an empty token with a warning rather than failing the whole file.
    if (!token) return;
    tokens.set(token, { name, uid, groups: (groups ?? '').split(',').map((g) => g.trim()).filter(Boolean) });
  });
  return tokens;
}

/** Reads and parses the file; throws when it is unreadable or malformed (see parseTokenCsv). */
export function loadTokenFile(path: string, files: Files = realFiles): Map<string, UserInfo> {
  return parseTokenCsv(files.readTextSync(path), `token file '${path}'`);
}
