// A decoded protobuf message → the JSON object the rest of the server works on, field by
// field through the reflection types: presence decides what is written, the apimachinery
// types get their JSON forms (wellknown.ts), bytes become base64, int64 numbers.
import protobuf from 'protobufjs';
import { ownValue, setOwn } from '../../own-keys.js';
import { FIELDS_V1, isInline, INT_OR_STRING, MICRO_TIME, QUANTITY, RAW_EXTENSION, TIME, ZERO_IS_A_VALUE, formatTime } from './wellknown.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Msg = Record<string, unknown>;

/** `msg` (decoded as `type`) as JSON. Throws a plain Error when a RawExtension/FieldsV1 holds bytes that are not JSON. */
export function messageToJson(type: protobuf.Type, msg: Msg): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(msg, field.name)) continue;
    const value = ownValue(msg, field.name);
    if (value === undefined || value === null) continue;
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries(value as Msg);
      if (entries.length === 0) continue;
      setOwn(out, field.name, Object.fromEntries(entries.map(([k, v]) => [k, valueToJson(field, v) ?? null])));
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      setOwn(out, field.name, items.map((v) => valueToJson(field, v) ?? null));
    } else {
      const json = valueToJson(field, value);
      if (json === undefined) continue;
      if (isInline(type.fullName.slice(1), field.name) && json !== null && typeof json === 'object' && !Array.isArray(json)) {
        Object.assign(out, json);
        continue;
      }
      if (!field.resolvedType && isZero(json) && !ZERO_IS_A_VALUE.has(field.name)) continue;
      setOwn(out, field.name, json);
    }
  }
  return out;
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

/** One value of `field`; undefined for a zero Time (Go's `null`, which we leave out). */
function valueToJson(field: protobuf.Field, v: unknown): Json | undefined {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) {
    const json = special(t, v as Msg);
    return json === PLAIN ? messageToJson(t, v as Msg) : json;
  }
  if (t instanceof protobuf.Enum) return t.valuesById[v as number] ?? (v as number);
  if (field.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (typeof v === 'object' && v !== null && 'low' in v) return protobuf.util.LongBits.from(v as protobuf.Long).toNumber();
  return v as Json;
}

const PLAIN = Symbol('plain message');

/** The JSON form of an apimachinery type; PLAIN for any other message. */
function special(t: protobuf.Type, m: Msg): Json | undefined | typeof PLAIN {
  switch (t.fullName.slice(1)) {
    case TIME:
    case MICRO_TIME: {
      // Go writes a zero time as an empty message (and reads it back as zero: JSON null).
      if (!has(m, 'seconds') && !has(m, 'nanos')) return undefined;
      return formatTime(toNumber(m.seconds), toNumber(m.nanos), t.name === 'MicroTime');
    }
    case QUANTITY: return (m.string as string | undefined) ?? '0';
    case INT_OR_STRING: return toNumber(m.type) === 1 ? ((m.strVal as string | undefined) ?? '') : toNumber(m.intVal);
    case RAW_EXTENSION: return rawJson(m.raw as Uint8Array | undefined);
    case FIELDS_V1: return rawJson(m.Raw as Uint8Array | undefined);
    default: return PLAIN;
  }
}

function has(m: Msg, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

function rawJson(raw: Uint8Array | undefined): Json | undefined {
  if (!raw || raw.length === 0) return undefined;
  return JSON.parse(Buffer.from(raw).toString('utf8')) as Json;
}

function toNumber(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'object' && 'low' in v) return protobuf.util.LongBits.from(v as protobuf.Long).toNumber();
  return Number(v);
}
