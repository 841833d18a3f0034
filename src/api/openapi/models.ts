// The built-in types' schemas, read from the `kubernetes-models` package. It is generated
// from upstream's swagger.json and keeps, in its .d.ts files, every definition's fields,
// types, enums, required fields and descriptions (its .js files are compiled validators,
// with no schema left in them). We read the .d.ts text once, lazily, into swagger-2.0-shaped
// definitions; the x-kubernetes-* extensions it drops are added from extensions.ts.
import { RealPackageFiles } from '../../host/packages/real.js';
import type { PackageFiles } from '../../host/packages/types.js';
import { ownValue, setOwn } from '../../own-keys.js';
import type { Gvk, Json } from '../types.js';
import { propertyFormats, type ScalarFormat } from './formats.js';

/** A JSON schema as swagger 2.0 `definitions` hold it; `$ref` is '#/definitions/<name>'. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  enum?: Json[];
  /** While parsing only: a reference to the definition being parsed (see resolveSelf). */
  $self?: string;
  'x-kubernetes-group-version-kind'?: Gvk[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

const PACKAGES = ['kubernetes-models', '@kubernetes-models/apimachinery'];

// Definitions the .d.ts files express as bare TS types: their upstream schema shape.
const SCALARS = new Map<string, Schema>([
  ['io.k8s.apimachinery.pkg.util.intstr.IntOrString', { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true }],
  ['io.k8s.apimachinery.pkg.api.resource.Quantity', { type: 'string' }],
  ['io.k8s.apimachinery.pkg.apis.meta.v1.Time', { type: 'string', format: 'date-time' }],
  ['io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime', { type: 'string', format: 'date-time' }],
  ['io.k8s.apimachinery.pkg.runtime.RawExtension', { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }],
  ['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1', { type: 'object' }],
  ['io.k8s.apimachinery.pkg.apis.meta.v1.Patch', { type: 'object' }],
]);

const TYPE_META = {
  apiVersion: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  kind: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};

/** `IoK8sApiCoreV1PodSpec` → `io.k8s.api.core.v1.PodSpec` (the swagger name kubernetes-models camel-cased). */
export function definitionName(exported: string): string {
  const special: [string, string][] = [['IoK8sApiextensionsApiserver', 'IoK8sApiextensions-apiserver'], ['IoK8sKubeAggregator', 'IoK8sKube-aggregator']];
  for (const [from, to] of special) if (exported.startsWith(from)) exported = to + exported.slice(from.length);
  const m = /^(.*?)(V\d+(?:(?:alpha|beta)\d+)?)(?=[A-Z])(.*)$/.exec(exported);
  const [prefix, version, kind] = m ? [m[1]!, m[2]!.toLowerCase(), m[3]!] : splitUnversioned(exported);
  const pkg = prefix.split(/(?=[A-Z])/).map((s) => s.toLowerCase()).join('.');
  return version ? `${pkg}.${version}.${kind}` : `${pkg}.${kind}`;
}

// io.k8s.apimachinery.pkg.{util.intstr,api.resource,runtime,version} have no version segment:
// the kind is the last capitalised word run that names a type we know of.
function splitUnversioned(exported: string): [string, string, string] {
  for (const known of [...SCALARS.keys(), 'io.k8s.apimachinery.pkg.version.Info']) {
    const kind = known.slice(known.lastIndexOf('.') + 1);
    const pkg = known.slice(0, known.lastIndexOf('.'));
    const camel = pkg.split('.').map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('');
    if (exported === camel + kind) return [camel, '', kind];
  }
  const at = exported.search(/[A-Z][a-z]*$/);
  return [exported.slice(0, at), '', exported.slice(at)];
}

interface Parsed { name: string; schema: Schema; gvk?: Gvk; validator?: string }

/** Parses one generated .d.ts file; undefined for files that declare no definition (index.d.ts). */
function parseFile(text: string): Parsed | undefined {
  const exp = /export \{ I(\w+) as IIoK8s(\w+)/.exec(text) ?? /export \{ (\w+) as IIoK8s(\w+)/.exec(text);
  if (!exp) return undefined;
  const name = definitionName(`IoK8s${exp[2]!}`);
  const validator = `IoK8s${exp[2]!}.js`;
  const scalar = SCALARS.get(name);
  if (scalar) return { name, schema: { ...scalar, ...descr(leadingDoc(text, text.indexOf('export declare type'))) } };
  const start = text.indexOf('export interface ');
  if (start < 0) return undefined;
  const schema: Schema = { type: 'object', ...descr(leadingDoc(text, start)) };
  const body = text.slice(text.indexOf('{', start) + 1, text.indexOf('\n}', start));
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  let apiVersion = '';
  let kind = '';
  // Properties are at four spaces; a map type spans lines until its `};`.
  // One list holds objects written inline (`Array<{` ... `}>`): matched whole, resolved below.
  const re = /(?:\/\*\*([\s\S]*?)\*\/\s*)?\n {4}"([^"]+)"(\?)?: ((?:\{[\s\S]*?\n {4}\})|(?:Array<\{[\s\S]*?\n {4}\}>)|[^\n]*?);/g;
  const src = '\n' + body;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const [, doc, optional] = [m[0], m[1], m[3]];
    const prop = m[2]!;
    const type = m[4]!;
    if (!optional) required.push(prop);
    if ((prop === 'apiVersion' || prop === 'kind') && /^"[^"]*"$/.test(type)) {
      if (prop === 'apiVersion') apiVersion = JSON.parse(type);
      else kind = JSON.parse(type);
      setOwn(properties, prop, { type: 'string', description: TYPE_META[prop] });
      continue;
    }
    const inline = INLINE_ITEMS.get(`${name}.${prop}`);
    if (type.startsWith('Array<{') && !inline) throw new Error(`kubernetes-models: ${name}.${prop} lists inline objects skiff has no definition for`);
    const schema = inline ? { type: 'array', items: { $ref: `#/definitions/${inline}` } } : typeSchema(type.trim());
    setOwn(properties, prop, { ...descr(cleanDoc(doc)), ...schema });
  }
  if (Object.keys(properties).length) schema.properties = properties;
  const req = required.filter((r) => r !== 'apiVersion' && r !== 'kind');
  if (req.length) schema.required = req;
  if (!apiVersion || !kind) return { name, schema, validator };
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  return { name, schema, gvk: { group, version, kind }, validator };
}

/**
 * Lists kubernetes-models writes as inline object types where upstream's swagger has a $ref:
 * the definition each item is. Without this the field would be missing from the schema, and
 * pruning would drop it from every stored object.
 */
const INLINE_ITEMS = new Map([['io.k8s.api.apps.v1.StatefulSetSpec.volumeClaimTemplates', 'io.k8s.api.core.v1.PersistentVolumeClaim']]);

function leadingDoc(text: string, before: number): string | undefined {
  const end = text.lastIndexOf('*/', before);
  const open = text.lastIndexOf('/**', end);
  if (end < 0 || open < 0 || text.slice(end + 2, before).trim() !== '') return undefined;
  return cleanDoc(text.slice(open + 3, end));
}

function cleanDoc(doc: string | undefined): string | undefined {
  if (!doc) return undefined;
  const lines = doc.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
  // kubernetes-models appends its own "Possible enum values" list; upstream keeps it too.
  return lines.join('\n').trim() || undefined;
}

const descr = (d: string | undefined): Schema => (d ? { description: d } : {});

/** The schema of one generated TS type expression. Throws on a form the generator never emits. */
function typeSchema(type: string): Schema {
  if (type === 'string') return { type: 'string' };
  // kubernetes-models collapses int32/int64/double into `number`; all but a handful are integers.
  if (type === 'number') return { type: 'integer', format: 'int32' };
  if (type === 'boolean') return { type: 'boolean' };
  if (type === 'any' || type === 'unknown' || type === '{}') return { type: 'object' };
  if (type.startsWith('Array<') && type.endsWith('>')) return { type: 'array', items: typeSchema(type.slice(6, -1)) };
  if (/^"[^"]*"(\s*\|\s*"[^"]*")*$/.test(type)) return { type: 'string', enum: type.split('|').map((s) => JSON.parse(s.trim()) as string) };
  const map = /^\{\s*\[key: string\]: ([\s\S]+?);\s*\}$/.exec(type);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1]!.trim()) };
  const ref = /^IIoK8s(\w+)$/.exec(type);
  if (ref) return { $ref: `#/definitions/${definitionName(`IoK8s${ref[1]!}`)}` };
  if (/^I\w+$/.test(type)) return { $self: type.slice(1) }; // a local interface: resolved by the caller
  if (/^I\w+\["\w+"\]$/.test(type)) return { type: 'string' };
  throw new Error(`kubernetes-models: unknown type expression ${JSON.stringify(type)}`);
}

export interface Models {
  /** Every definition by its swagger name (io.k8s.api.core.v1.Pod ...). */
  definitions: ReadonlyMap<string, Schema>;
  /** The definition name of a top-level kind, keyed `group/version/kind` ('' group for core). */
  byGvk: Map<string, string>;
}

export const gvkKey = (gvk: Gvk) => `${gvk.group}/${gvk.version}/${gvk.kind}`;

let cached: Models | undefined;

/** The installed packages' definitions, read once. Throws when kubernetes-models is not installed. */
export function models(): Models {
  return (cached ??= readModels(new RealPackageFiles()));
}

/** Parses every definition the packages' .d.ts files declare. Throws when a package is missing. */
export function readModels(files: PackageFiles): Models {
  const definitions = new Map<string, Schema>();
  const byGvk = new Map<string, string>();
  for (const pkg of PACKAGES) {
    for (const path of files.list(pkg).filter(isDefinitionFile)) {
      const parsed = parseFile(files.read(pkg, path) ?? '');
      if (!parsed) continue;
      resolveSelf(parsed.schema, parsed.name);
      // No compiled validator: the .d.ts types stand.
      const validator = parsed.validator && files.read(pkg, `_schemas/${parsed.validator}`);
      if (validator) addFormats(parsed.schema, validator);
      definitions.set(parsed.name, parsed.schema);
      if (parsed.gvk) {
        parsed.schema['x-kubernetes-group-version-kind'] = [parsed.gvk];
        byGvk.set(gvkKey(parsed.gvk), parsed.name);
      }
    }
  }
  for (const [name, schema] of SCALARS) if (!definitions.has(name)) definitions.set(name, { ...schema });
  return { definitions, byGvk };
}

const isDefinitionFile = (path: string): boolean =>
  path.endsWith('.d.ts') && !path.endsWith('/index.d.ts') && path !== 'index.d.ts' && !path.startsWith('_schemas/');

/** Puts back the int64/double/byte formats the .d.ts lost (see formats.ts), from the compiled validator's text. */
function addFormats(schema: Schema, js: string): void {
  if (!schema.properties) return;
  for (const [prop, format] of propertyFormats(js)) {
    let scalar: Schema | undefined = ownValue(schema.properties, prop);
    while (scalar && (scalar.type === 'array' || scalar.additionalProperties)) scalar = scalar.items ?? scalar.additionalProperties;
    if (!scalar || scalar.$ref) continue;
    setFormat(scalar, format);
  }
}

function setFormat(scalar: Schema, format: ScalarFormat): void {
  if (scalar.type === 'integer' && (format === 'int32' || format === 'int64')) scalar.format = format;
  else if (scalar.type === 'integer' && format === 'double') Object.assign(scalar, { type: 'number', format });
  else if (scalar.type === 'string' && format === 'byte') scalar.format = format;
}

// `Array<IJSONSchemaProps>` inside JSONSchemaProps itself: the only self references, found
// as property types or their items.
function resolveSelf(schema: Schema, self: string): void {
  const fix = (s: Schema): Schema => (s.$self !== undefined ? { $ref: `#/definitions/${self}` } : (resolveSelf(s, self), s));
  if (schema.items) schema.items = fix(schema.items);
  if (schema.additionalProperties) schema.additionalProperties = fix(schema.additionalProperties);
  for (const [prop, s] of Object.entries(schema.properties ?? {})) setOwn(schema.properties!, prop, fix(s));
}
