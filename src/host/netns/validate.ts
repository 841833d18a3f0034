import { invalid } from '../errors.js';
import type { NamespacePins } from './types.js';

/** Checks pins; returns them as [kind, path] pairs. */
export function checkPins(pins: NamespacePins): [kind: 'net' | 'ipc' | 'uts', path: string][] {
  const kinds = (['net', 'ipc', 'uts'] as const).filter((k) => pins[k] !== undefined);
  if (kinds.length === 0) throw invalid('no namespace to create: give net, ipc or uts');
  const paths = kinds.map((k) => {
    const path = pins[k];
    if (typeof path !== 'string' || !path.startsWith('/') || path.endsWith('/')) throw invalid(`${k} namespace pin "${String(path)}" must be an absolute file path`);
    return [k, path] as [typeof k, string];
  });
  if (new Set(paths.map(([, p]) => p)).size !== paths.length) throw invalid('namespace pins must be distinct paths');
  if (pins.hostname !== undefined) {
    if (pins.uts === undefined) throw invalid('hostname needs a new uts namespace');
    if (!/^[a-z0-9]([-a-z0-9.]{0,62}[a-z0-9])?$/i.test(pins.hostname)) throw invalid(`hostname "${pins.hostname}" is not a valid host name (1-64 letters, digits, '-', '.')`);
  }
  return paths;
}
