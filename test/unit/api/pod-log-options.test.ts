import test from 'ava';
import { parsePodLogQuery } from '../../../src/api/pod-log-options.js';

const parse = (q: string) => parsePodLogQuery(new URLSearchParams(q));

test('options as upstream converts a query: bools, integers, sinceTime', (t) => {
  t.deepEqual(parse('container=c&follow=true&previous=1&timestamps=false&tailLines=10&limitBytes=5&sinceSeconds=3'), {
    ok: true, options: { container: 'c', follow: true, previous: true, timestamps: false, tailLines: 10, limitBytes: 5, sinceSeconds: 3 },
  });
  t.deepEqual(parse('sinceTime=2026-01-01T00:00:00Z'), { ok: true, options: { follow: false, previous: false, timestamps: false, sinceTime: '2026-01-01T00:00:00Z' } });
});

test('a value that does not parse is a bad request in Go words', (t) => {
  t.deepEqual(parse('tailLines=ten'), { ok: false, badRequest: 'strconv.ParseInt: parsing "ten": invalid syntax' });
  t.like(parse('sinceTime=yesterday'), { ok: false });
  t.true('badRequest' in parse('sinceTime=yesterday'));
});

test('ValidatePodLogOptions: negative tail, limit below 1, since below 1, both sinces', (t) => {
  t.deepEqual(parse('tailLines=-1&limitBytes=0'), {
    ok: false,
    invalid: [
      { reason: 'FieldValueInvalid', field: 'tailLines', message: 'Invalid value: -1: must be greater than or equal to 0' },
      { reason: 'FieldValueInvalid', field: 'limitBytes', message: 'Invalid value: 0: must be greater than 0' },
    ],
  });
  t.deepEqual(parse('sinceSeconds=0'), { ok: false, invalid: [{ reason: 'FieldValueInvalid', field: 'sinceSeconds', message: 'Invalid value: 0: must be greater than 0' }] });
  t.deepEqual(parse('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'), {
    ok: false, invalid: [{ reason: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' }],
  });
});
