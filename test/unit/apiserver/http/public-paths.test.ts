// One list of public paths: a request path falls under one by its first segment, trailing
// slashes and all.
import test from 'ava';
import { publicPathOf } from '../../../../src/apiserver/http/public-paths.js';

test('health and version paths, with a trailing slash or a sub-check, are public; nothing else is', (t) => {
  t.is(publicPathOf('/version/'), '/version');
  t.is(publicPathOf('/version'), '/version');
  t.is(publicPathOf('/healthz/ping'), '/healthz');
  t.is(publicPathOf('/livez'), '/livez');
  t.is(publicPathOf('/readyz'), '/readyz');
  for (const path of ['/', '/api', '/versions', '/openapi/v2', '/apis/version']) t.is(publicPathOf(path), undefined, path);
});
