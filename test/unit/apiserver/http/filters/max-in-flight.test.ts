// The max-in-flight filter: a request past its kind's limit is a 429 with Retry-After before
// the next stage runs; a finished response frees its slot.
import test from 'ava';
import { inFlightLimiter } from '../../../../../src/apiserver/http/max-in-flight.js';
import { withMaxInFlight } from '../../../../../src/apiserver/http/filters/max-in-flight.js';
import type { Described } from '../../../../../src/apiserver/http/filters/types.js';
import { requestInfo } from '../../../../../src/apiserver/http/request-info.js';
import { incoming, recorder } from './requests.js';

const alice = { name: 'alice', groups: ['system:authenticated'] };

function described(method: string, path: string): Described {
  const r = incoming(method, path);
  return { ...r, user: alice, info: requestInfo(method, r.url) };
}

test('past the mutating limit: 429 with Retry-After 1, the next stage not run; reads pass; a finished response frees the slot', async (t) => {
  const { seen, next } = recorder<Described>();
  const filter = withMaxInFlight(inFlightLimiter({ readOnly: 1, mutating: 1 }), next);
  const first = described('POST', '/api/v1/namespaces/default/configmaps');
  await filter(first);
  const second = described('POST', '/api/v1/namespaces/default/configmaps');
  const err = await t.throwsAsync(filter(second));
  t.like(err, { status: { code: 429, reason: 'TooManyRequests' } });
  t.is(second.res.getHeader('Retry-After'), '1');
  await filter(described('GET', '/api/v1/namespaces/default/configmaps'));
  t.is(seen.length, 2);
  first.res.emit('finish');
  await filter(described('POST', '/api/v1/namespaces/default/configmaps'));
  t.is(seen.length, 3);
});
