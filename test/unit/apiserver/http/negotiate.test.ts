// Media type parameters are data: a parameter named like an Object.prototype member is kept as
// sent, not dropped (`__proto__`) or confused with an inherited member.
import test from 'ava';
import { negotiate, parseAccept } from '../../../../src/apiserver/http/negotiate.js';

test('parameters named __proto__ or constructor are ordinary parameters', (t) => {
  const [m] = parseAccept('application/json;__proto__=x;constructor=y;as=Table;g=meta.k8s.io;v=v1');
  t.deepEqual(Object.entries(m!.params), [['__proto__', 'x'], ['constructor', 'y'], ['as', 'Table'], ['g', 'meta.k8s.io'], ['v', 'v1']]);
  t.like(negotiate('application/json;constructor=y;as=Table;g=meta.k8s.io;v=v1', ['Table']), { as: 'Table' });
  t.false('constructor' in parseAccept('application/json')[0]!.params, 'no inherited member answers for a parameter');
});
