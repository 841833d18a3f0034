// The inverse of to-json.ts: a JSON object → the plain message shape of its type, then bytes.
// Used for protobuf answers and to produce test inputs the way a Go client would.
import protobuf from 'protobufjs';
import { ownValue, setOwn } from '../../own-keys.js';
import { FIELDS_V1, isInline, INT_OR_STRING, MICRO_TIME, QUANTITY, RAW_EXTENSION, TIME, parseTime } from './wellknown.js';

type Msg = Record<string, unknown>;

/** `obj` encoded as `type`. Unknown JSON fields are left out; throws a plain Error on a value of the wrong shape. */
export function encodeJson(type: protobuf.Type, obj: Msg): Uint8Array {
  const plain = jsonToMessage(type, obj);
  const err = type.verify(plain);
  if (err) throw new Error(`${type.name}: ${err}`);
  return type.encode(type.fromObject(plain)).finish();
}

/** The plain-object message form of `obj` (nested types converted; bytes as Buffers). Never throws on unknown fields. */
export function jsonToMessage(type: protobuf.Type, obj: Msg): Msg {
  const out: Msg = {};
  for (const field of type.fieldsArray) {
    // An inline field's message is made of the parent's own JSON fields.
    const value = isInline(type.fullName.slice(1), field.name) ? obj : ownValue(obj, field.name);
    if (value === undefined || value === null) continue;
    if (field instanceof protobuf.MapField) {
      setOwn<unknown>(out, field.name, Object.fromEntries(Object.entries(value as Msg).map(([k, v]) => [k, valueToMessage(field, v)])));
    } else if (field.repeated) {
      setOwn<unknown>(out, field.name, (value as unknown[]).map((v) => valueToMessage(field, v)));
    } else {
      setOwn(out, field.name, valueToMessage(field, value));
    }
  }
  return out;
}

function valueToMessage(field: protobuf.Field, v: unknown): unknown {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) return special(t, v) ?? jsonToMessage(t, v as Msg);
  if (field.type === 'bytes') return Buffer.from(String(v), 'base64');
  return v;
}

function special(t: protobuf.Type, v: unknown): Msg | undefined {
  switch (t.fullName.slice(1)) {
    case TIME:
    case MICRO_TIME: {
      const time = parseTime(String(v));
      if (!time) throw new Error(`${String(v)} is not an RFC 3339 time`);
      return t.name === 'MicroTime' ? time : { seconds: time.seconds, nanos: 0 };
    }
    case QUANTITY: return { string: String(v) };
    case INT_OR_STRING: return typeof v === 'number' ? { type: 0, intVal: v } : { type: 1, strVal: String(v) };
    case RAW_EXTENSION: return { raw: Buffer.from(JSON.stringify(v)) };
    case FIELDS_V1: return { Raw: Buffer.from(JSON.stringify(v)) };
    default: return undefined;
  }
}
