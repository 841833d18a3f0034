// The query options of a request checked as upstream's ValidateCreate/Update/Patch/DeleteOptions
// and ValidateListOptions do: each problem a cause of one 422 naming the options kind
// (`CreateOptions.meta.k8s.io "" is invalid: ...`).
import { apiError, type StatusCause } from '../status.js';

/** Throws ApiError 422 for dryRun values, fieldManager (128 bytes, printable; required by apply), force (apply only). */
export function checkWriteOptions(kind: string, dryRun: string[], fieldManager: string | undefined, patch?: { apply: boolean; force: boolean }): void {
  const causes: StatusCause[] = [];
  // Server-side apply records who owns what: it has no User-Agent default. `force` is apply's.
  if (patch?.apply && fieldManager === undefined) causes.push({ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' });
  if (patch && !patch.apply && patch.force) causes.push({ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
  const unsupported = dryRun.find((d) => d !== 'All');
  if (unsupported !== undefined) causes.push({ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${JSON.stringify(unsupported)}: supported values: "All"` });
  if (fieldManager !== undefined) {
    if (Buffer.byteLength(fieldManager) > 128) causes.push({ reason: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' });
    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    const bad = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.exec(fieldManager);
    if (bad) causes.push({ reason: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: ${JSON.stringify(fieldManager)}: invalid character at position ${bad.index}` });
  }
  throwInvalid(kind, causes);
}

export interface ListOptionsQuery { watch: boolean; sendInitialEvents?: boolean; allowWatchBookmarks: boolean; resourceVersionMatch?: string }

/**
 * Throws ApiError 422 for a watch-list request shaped otherwise than upstream allows:
 * sendInitialEvents only on a watch, with resourceVersionMatch=NotOlderThan and bookmarks;
 * resourceVersionMatch on a watch only with sendInitialEvents. (A list's resourceVersionMatch
 * is checked by the registry.)
 */
export function checkListOptions(o: ListOptionsQuery): void {
  const causes: StatusCause[] = [];
  const forbidden = (field: string, why: string) => causes.push({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` });
  if (!o.watch) {
    if (o.sendInitialEvents !== undefined) forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list');
    return throwInvalid('ListOptions', causes);
  }
  const match = o.resourceVersionMatch || undefined;
  if (o.sendInitialEvents !== undefined) {
    if (match !== 'NotOlderThan') forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    if (!o.allowWatchBookmarks) forbidden('allowWatchBookmarks', 'sendInitialEvents requires setting allowWatchBookmarks to true');
  }
  if (match !== undefined) {
    if (o.sendInitialEvents === undefined) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    if (match !== 'NotOlderThan') causes.push({ reason: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: `Unsupported value: ${JSON.stringify(match)}: supported values: "NotOlderThan"` });
  }
  throwInvalid('ListOptions', causes);
}

function throwInvalid(kind: string, causes: StatusCause[]): void {
  if (!causes.length) return;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  throw apiError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`,
    { name: '', group: 'meta.k8s.io', kind, causes });
}
