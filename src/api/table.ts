// meta.k8s.io/v1 Table responses (what `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), with upstream's columns per kind.
import { resourceForKind } from './resources.js';
import { CUSTOM_PRINTER, DEFAULT_PRINTER, PRINTERS } from './table/printers.js';
import { isObject, type Gvk, type KubeObject, type ObjectMeta } from './types.js';

export { humanDuration } from './table/age.js';

export type IncludeObject = 'None' | 'Object' | 'Metadata';

/**
 * The Table of `objects` (all of kind gvk). Each row carries the object as asked:
 * 'Object' whole, 'Metadata' as a PartialObjectMetadata, 'None' not at all. `now` (ms, from
 * the caller's Clock) dates the AGE cells. Never throws: missing fields print as upstream
 * prints them ('<none>', 0...).
 */
export function toTable(gvk: Gvk, objects: readonly object[], includeObject: IncludeObject, now: number): object {
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  const builtIn = resourceForKind(apiVersion, gvk.kind) !== undefined;
  const printer = PRINTERS.get(`${gvk.group}/${gvk.kind}`) ?? (builtIn ? DEFAULT_PRINTER : CUSTOM_PRINTER);
  const rows = objects.map((o) => {
    const obj = asKubeObject(o);
    return { cells: printer.cells(obj, now), ...rowObject(o, obj.metadata, includeObject) };
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {}, columnDefinitions: printer.columns, rows };
}

// Stored objects always have metadata; anything else prints with an empty one.
const asKubeObject = (o: object): KubeObject => {
  const metadata: unknown = Reflect.get(o, 'metadata');
  return isObject(metadata) ? (o as KubeObject) : { ...o, metadata: {} };
};

function rowObject(o: object, metadata: ObjectMeta, include: IncludeObject): { object?: object } {
  if (include === 'None') return {};
  if (include === 'Object') return { object: o };
  return { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata } };
}
