// PodLogOptions from a query string, as the apiserver's pods/log and the kubelet's
// /containerLogs read them: upstream's query conversion (400 on a value that does not parse)
// then ValidatePodLogOptions (422 with field causes). Shared by both so they cannot disagree.

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** RFC 3339 (seconds), as sent. */
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
}

/** One ValidatePodLogOptions failure: the field ('' for the object) and upstream's words. */
export interface PodLogCause {
  reason: 'FieldValueInvalid' | 'FieldValueForbidden';
  field: string;
  message: string;
}

export type PodLogQuery =
  | { ok: true; options: PodLogOptions }
  | { ok: false; badRequest: string }
  | { ok: false; invalid: PodLogCause[] };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A query bool as upstream converts one: absent false; "0"/"false" false; anything else true. */
function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && !(v === '0' || v.toLowerCase() === 'false');
}

/** Go's strconv.ParseInt words for what does not parse as an int64. */
function int(q: URLSearchParams, name: string): number | string | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) return `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) return `strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`;
  return n;
}

/** Decodes and validates; never throws. */
export function parsePodLogQuery(q: URLSearchParams): PodLogQuery {
  const options: PodLogOptions = { follow: bool(q, 'follow'), previous: bool(q, 'previous'), timestamps: bool(q, 'timestamps') };
  const container = q.get('container');
  if (container) options.container = container;
  for (const name of ['sinceSeconds', 'tailLines', 'limitBytes'] as const) {
    const v = int(q, name);
    if (typeof v === 'string') return { ok: false, badRequest: v };
    if (v !== undefined) options[name] = v;
  }
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    if (!RFC3339.test(sinceTime) || Number.isNaN(Date.parse(sinceTime))) {
      return { ok: false, badRequest: `parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)}` };
    }
    options.sinceTime = sinceTime;
  }
  const causes: PodLogCause[] = [];
  if (options.tailLines !== undefined && options.tailLines < 0) {
    causes.push({ reason: 'FieldValueInvalid', field: 'tailLines', message: `Invalid value: ${options.tailLines}: must be greater than or equal to 0` });
  }
  if (options.limitBytes !== undefined && options.limitBytes < 1) {
    causes.push({ reason: 'FieldValueInvalid', field: 'limitBytes', message: `Invalid value: ${options.limitBytes}: must be greater than 0` });
  }
  if (options.sinceSeconds !== undefined && options.sinceTime !== undefined) {
    causes.push({ reason: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (options.sinceSeconds !== undefined && options.sinceSeconds < 1) {
    causes.push({ reason: 'FieldValueInvalid', field: 'sinceSeconds', message: `Invalid value: ${options.sinceSeconds}: must be greater than 0` });
  }
  return causes.length ? { ok: false, invalid: causes } : { ok: true, options };
}
