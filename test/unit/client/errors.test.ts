import test from 'ava';
import { ApiStatusError, isAlreadyExists, isConflict, isGone, isNotFound, statusFromHttp } from '../../../src/client/errors.js';

test('a body that is not a Status becomes one from the HTTP code, keeping an excerpt of the body', (t) => {
  t.like(statusFromHttp(404, ''), { kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });
  t.like(statusFromHttp(503, 'upstream down\n'), { code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request (upstream down)' });
  t.like(statusFromHttp(502, 'x'.repeat(500)), { code: 502, reason: 'Unknown' });
  t.is(statusFromHttp(502, 'x'.repeat(500)).message?.length, 'an error on the server has prevented the request from succeeding ()'.length + 200);
});

test('classification goes by reason, and by code only when the server gave no reason', (t) => {
  const err = (code: number, reason?: string) => new ApiStatusError({ code, ...(reason ? { reason } : {}) });
  t.true(isConflict(err(409, 'Conflict')));
  t.false(isConflict(err(409, 'AlreadyExists')));
  t.true(isAlreadyExists(err(409, 'AlreadyExists')));
  t.true(isConflict(err(409)));
  t.true(isNotFound(err(404)));
  t.false(isNotFound(new Error('404')));
  t.true(isGone(err(410, 'Expired')));
  t.true(isGone(err(410, 'Gone')));
  t.is(err(500).message, 'the server answered 500');
});
