// CronJob schedules as upstream checks them: github.com/robfig/cron/v3 ParseStandard (five
// fields, or a descriptor), with its error texts, and spec.timeZone as batch validation's
// validateTimeZone. Hand-written because the npm cron parsers speak another grammar
// (cron-parser takes an optional seconds field, L/W/# and no `@every`), so they would accept
// what the apiserver refuses and word their refusals differently.

import { parseGoDuration } from '../../go-duration.js';

type Bounds = { min: number; max: number; names?: ReadonlyMap<string, number> };

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: new Map(Object.entries({ jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 })) };
const DOW: Bounds = { min: 0, max: 6, names: new Map(Object.entries({ sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 })) };
const FIELDS = [MINUTES, HOURS, DOM, MONTHS, DOW];
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const INT64_MAX = 2n ** 63n - 1n;

class CronError extends Error {}
const fail = (message: string): never => { throw new CronError(message); };
// Go's %q for the ASCII text schedules are made of.
const quote = (s: string) => JSON.stringify(s);

/** Go's strconv.Atoi, with its error text. */
function atoi(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) fail(`strconv.Atoi: parsing ${quote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) fail(`strconv.Atoi: parsing ${quote(s)}: value out of range`);
  return n;
}

function parseUint(expr: string): bigint {
  let n = 0n;
  try {
    n = atoi(expr);
  } catch (e) {
    fail(`failed to parse int from ${expr}: ${(e as Error).message}`);
  }
  if (n < 0n) fail(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

const intOrName = (expr: string, b: Bounds): bigint => {
  const named = b.names?.get(expr.toLowerCase());
  return named !== undefined ? BigInt(named) : parseUint(expr);
};

// One element of a comma list: `*` or `?`, a number or name, a range `a-b`, each with an optional `/step`.
function checkRange(expr: string, b: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  let start: bigint;
  let end: bigint;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = BigInt(b.min);
    end = BigInt(b.max);
  } else {
    start = intOrName(lowAndHigh[0]!, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1]!, b);
    else return fail(`too many hyphens: ${expr}`);
  }
  let step = 1n;
  if (rangeAndStep.length === 2) {
    step = parseUint(rangeAndStep[1]!);
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = BigInt(b.max);
  } else if (rangeAndStep.length > 2) fail(`too many slashes: ${expr}`);
  if (start < BigInt(b.min)) fail(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > BigInt(b.max)) fail(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) fail(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0n) fail(`step of range should be a positive number: ${expr}`);
}

/**
 * Why robfig/cron's standard parser refuses `schedule`, in its words, or undefined when it
 * parses. A `TZ=`/`CRON_TZ=` prefix is understood as the parser does (the location must load);
 * whether one is allowed at all is the caller's rule. Never throws.
 */
export function scheduleProblem(schedule: string): string | undefined {
  try {
    let spec = schedule;
    if (spec === '') fail('empty spec string');
    if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
      const space = spec.indexOf(' ');
      // (the parser itself would index past the end here; the TZ refusal says enough)
      if (space < 0) return undefined;
      const zone = spec.slice(spec.indexOf('=') + 1, space);
      if (zone !== '' && zone !== 'UTC' && zone !== 'Local' && timeZoneUnknown(zone)) fail(`provided bad location ${zone}: unknown time zone ${zone}`);
      spec = spec.slice(space).trim();
    }
    if (spec.startsWith('@')) {
      if (DESCRIPTORS.has(spec)) return undefined;
      if (spec.startsWith('@every ')) {
        try {
          parseGoDuration(spec.slice('@every '.length));
        } catch (e) {
          fail(`failed to parse duration ${spec}: ${(e as Error).message}`);
        }
        return undefined;
      }
      fail(`unrecognized descriptor: ${spec}`);
    }
    const fields = spec.split(/\s+/).filter((f) => f !== '');
    if (fields.length !== 5) fail(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    fields.forEach((f, i) => {
      for (const expr of f.split(',')) if (expr !== '') checkRange(expr, FIELDS[i]!);
    });
    return undefined;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}

/** Whether the IANA database (as this Node's ICU has it) lacks `zone`; names match case-sensitively, as Go's tzdata lookup does. */
function timeZoneUnknown(zone: string): boolean {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return true;
  }
  // ICU takes "europe/paris" for "Europe/Paris"; Go's loader does not.
  return resolved !== zone && resolved.toLowerCase() === zone.toLowerCase();
}

// IANA's naming rules (theory.html#naming), with digits and '+' tolerated for legacy names.
const ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** Why spec.timeZone is refused, as upstream batch validation words it, or undefined. */
export function timeZoneProblem(zone: string): string | undefined {
  if (zone === '') return 'timeZone must be nil or non-empty string';
  for (const part of zone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !ZONE_PART.test(part)) return `unknown time zone ${zone}`;
  }
  if (zone.toLowerCase() === 'local') return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';
  if (zone !== 'UTC' && timeZoneUnknown(zone)) return `unknown time zone ${zone}`;
  return undefined;
}
