// node.k8s.io/v1 RuntimeClass (upstream pkg/apis/node/validation): a DNS-label handler that
// never changes, a non-negative fixed overhead, and a node selector with tolerations.
import { type Errs, immutable, invalid, labelProblems, parseQuantity, QUANTITY_MESSAGE } from './field.js';
import { labelMap } from './common.js';
import { validateTolerations } from './scheduling.js';
import { isObject, type JsonObject } from '../types.js';

export function validateRuntimeClass(errs: Errs, o: JsonObject, old?: JsonObject): void {
  const handler = typeof o.handler === 'string' ? o.handler : '';
  for (const m of labelProblems(handler)) errs.push(invalid('handler', handler, m));
  if (isObject(o.overhead) && isObject(o.overhead.podFixed)) {
    for (const [k, q] of Object.entries(o.overhead.podFixed)) {
      const f = `overhead.podFixed[${k}]`;
      const v = parseQuantity(q);
      if (v === undefined) errs.push(invalid(f, q, QUANTITY_MESSAGE));
      else if (v < 0) errs.push(invalid(f, q, 'must be greater than or equal to 0'));
    }
  }
  if (isObject(o.scheduling)) {
    labelMap(errs, 'scheduling.nodeSelector', o.scheduling.nodeSelector);
    validateTolerations(errs, 'scheduling.tolerations', o.scheduling.tolerations);
  }
  if (old && old.handler !== o.handler) errs.push(immutable('handler', o.handler));
}
