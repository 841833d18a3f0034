// meta.k8s.io/v1 Table responses (what `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), with upstream's columns per kind.
import { resourceForKind } from './resources.js';
import { CUSTOM_PRINTER, DEFAULT_PRINTER, PRINTERS } from './table/printers.js';

export { humanDuration } from './table/age.js';

type Gvk = { group: string; version: string; kind: string };
export type IncludeObject = 'None' | 'Object' | 'Metadata';

/**
 * The Table of `objects` (all of kind gvk). Each row carries the object as asked:
 * 'Object' whole, 'Metadata' as a PartialObjectMetadata, 'None' not at all. `now` (ms) dates
 * the AGE cells. Never throws: missing fields print as upstream prints them ('<none>', 0...).
 */
export function toTable(gvk: Gvk, objects: any[], includeObject: IncludeObject, now: number = Date.now()): object {
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  const builtIn = resourceForKind(apiVersion, gvk.kind) !== undefined;
  const printer = PRINTERS[`${gvk.group}/${gvk.kind}`] ?? (builtIn ? DEFAULT_PRINTER : CUSTOM_PRINTER);
  const rows = objects.map((o) => ({ cells: printer.cells(o, now), ...rowObject(o, includeObject) }));
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {}, columnDefinitions: printer.columns, rows };
}

function rowObject(o: any, include: IncludeObject): { object?: object } {
  if (include === 'None') return {};
  if (include === 'Object') return { object: o };
  return { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o?.metadata ?? {} } };
}
