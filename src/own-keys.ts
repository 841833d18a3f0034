// Keys that come from outside (request bodies, CRI maps, wire headers, environment) are data,
// never a way into the prototype chain. Plain `obj[key]` reads inherited members
// (`constructor`, `toString`) and `obj[key] = v` with key "__proto__" replaces the object's
// prototype — or, when the read returned Object.prototype itself, lets the next write
// pollute every object in the process. These helpers make such keys ordinary own properties.

/** obj[key] when it is obj's own property; undefined for anything inherited. */
export function ownValue<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  // eslint-disable-next-line skiff/no-outside-key-index -- guarded by hasOwn: this is the helper
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Sets key as an own enumerable property. Plain assignment would set the prototype for
 * "__proto__" (where the accessor exists: everywhere but the hardened server roles), and would
 * fail for inherited names were those members ever made read-only.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  // eslint-disable-next-line no-restricted-syntax, skiff/no-outside-key-index -- this is the helper
  if (Object.hasOwn(obj, key) || !(key in obj)) obj[key] = value;
  else Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A map-shaped object with no prototype, so any key is data. The brand lets lint
 * (scripts/eslint/no-outside-key-index.mjs) tell it from a plain object.
 */
export type Dict<T> = { [key: string]: T } & { readonly __nullPrototype?: never };

/** An empty map-shaped object with no prototype: lookups see only what was put in. */
export function dict<T>(): Dict<T> {
  return Object.create(null) as Dict<T>;
}

/**
 * Defense in depth for the long-running server roles, once their modules have loaded: no new
 * property can be added to Object.prototype or Array.prototype (a pollution that slipped past
 * the helpers above fails instead of reaching every object), and the `__proto__` accessor is
 * gone (as node --disable-proto=delete), so `obj["__proto__"] = v` makes an own property.
 * Not Object.freeze: frozen members turn `obj.toString = v` into a silent no-op in sloppy code
 * (the "override mistake"), and protobufjs's generated decoders then drop CRI labels and
 * annotations named toString, constructor or valueOf.
 */
export function hardenIntrinsics(): void {
  delete (Object.prototype as { __proto__?: unknown }).__proto__;
  Object.preventExtensions(Object.prototype);
  Object.preventExtensions(Array.prototype);
}
