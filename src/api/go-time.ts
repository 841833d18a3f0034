// Go's time.Parse for the two layouts metav1 decodes with (Time: RFC3339, MicroTime:
// RFC3339 with six fraction digits), reduced to its verdict and its error text, which
// kube-apiserver returns as the decode error: `parsing time "x" as
// "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`, `parsing time "...": month out of
// range`. Go parses layout chunk by chunk: a literal prefix, then a field; this does the same.

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
export const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';
export type Layout = typeof RFC3339 | typeof RFC3339_MICRO;

type Field = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'micro' | 'zone';
/** The layouts as Go's nextStdChunk splits them: [literal prefix, field, the field's layout text]. */
const CHUNKS: Record<Layout, [string, Field, string][]> = {
  [RFC3339]: [['', 'year', '2006'], ['-', 'month', '01'], ['-', 'day', '02'], ['T', 'hour', '15'], [':', 'minute', '04'], [':', 'second', '05'], ['', 'zone', 'Z07:00']],
  [RFC3339_MICRO]: [['', 'year', '2006'], ['-', 'month', '01'], ['-', 'day', '02'], ['T', 'hour', '15'], [':', 'minute', '04'], [':', 'second', '05'], ['', 'micro', '.000000'], ['', 'zone', 'Z07:00']],
};

/** Go's error parsing `value` with `layout` (RFC3339 or RFC3339_MICRO); undefined when it parses. */
export function goTimeParseError(value: string, layout: Layout = RFC3339): string | undefined {
  const quote = (s: string) => JSON.stringify(s);
  const cannot = (rest: string, elem: string) => `parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(rest)} as ${quote(elem)}`;
  const outOfRange = (what: string) => `parsing time ${quote(value)}: ${what} out of range`;
  let rest = value;
  let year = 0;
  let month = 0;
  let day = 0;
  for (const [prefix, field, elem] of CHUNKS[layout]) {
    for (const c of prefix) {
      if (rest[0] !== c) return cannot(rest, prefix);
      rest = rest.slice(1);
    }
    const hold = rest;
    switch (field) {
      case 'year': {
        if (rest.length < 4 || !/^[+-]?\d+$/.test(rest.slice(0, 4))) return cannot(hold, elem);
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      }
      case 'month': case 'day': case 'hour': case 'minute': case 'second': {
        // Two digits, except an hour, which may be one (Go's getnum with fixed=false).
        const m = (field === 'hour' ? /^\d\d?/ : /^\d\d/).exec(rest);
        if (!m) return cannot(hold, elem);
        const n = Number(m[0]);
        rest = rest.slice(m[0].length);
        if (field === 'month' && (n < 1 || n > 12)) return outOfRange('month');
        if (field === 'hour' && n > 23) return outOfRange('hour');
        if (field === 'minute' && n > 59) return outOfRange('minute');
        if (field === 'second' && n > 59) return outOfRange('second');
        if (field === 'month') month = n;
        if (field === 'day') day = n;
        // RFC3339 takes any fraction after the seconds (Go reads it even though the layout has none).
        if (field === 'second' && layout === RFC3339) {
          const frac = /^[.,]\d+/.exec(rest);
          if (frac) rest = rest.slice(frac[0].length);
        }
        break;
      }
      case 'micro': {
        if (!/^[.,]\d{6}/.test(rest)) return cannot(hold, elem);
        rest = rest.slice(7);
        break;
      }
      case 'zone': {
        if (rest[0] === 'Z') {
          rest = rest.slice(1);
          break;
        }
        const m = /^([+-])(\d\d):(\d\d)/.exec(rest);
        if (!m) return cannot(hold, elem);
        if (Number(m[2]) > 24) return outOfRange('time zone offset hour');
        if (Number(m[3]) > 60) return outOfRange('time zone offset minute');
        rest = rest.slice(6);
        break;
      }
    }
  }
  if (rest !== '') return `parsing time ${quote(value)}: extra text: ${quote(rest)}`;
  if (day < 1 || day > daysIn(month, year)) return outOfRange('day');
  return undefined;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** metav1.Time as it marshals: RFC 3339 in whole seconds, UTC. */
export const apiTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** metav1.MicroTime (a Lease's renewTime, an events.k8s.io eventTime): microseconds kept. */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
