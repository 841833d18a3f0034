// OpenAPI v2 as gnostic protobuf: the definitions kubectl reads come back from the bytes.
import test from 'ava';
import { openapiV2 } from '../../../src/api/openapi.js';
import { lookupType } from '../../../src/apiserver/protobuf/loader.js';
import { OPENAPI_V2_PROTOBUF, openapiV2Protobuf } from '../../../src/apiserver/protobuf/openapi-v2.js';
import { startFixture } from './fixture.js';

test('Deployment definition keeps its GVK extension, properties and refs; bytes are cached', (t) => {
  const doc = openapiV2() as any;
  const bytes = openapiV2Protobuf(doc);
  t.is(openapiV2Protobuf(doc), bytes);
  const decoded = lookupType('openapi.v2.Document')!.toObject(lookupType('openapi.v2.Document')!.decode(bytes)) as any;
  t.is(decoded.swagger, '2.0');
  const defs = new Map<string, any>(decoded.definitions.additional_properties.map((d: any) => [d.name, d.value]));
  t.is(defs.size, Object.keys(doc.definitions).length);
  const name = Object.keys(doc.definitions).find((n) => n.endsWith('apps.v1.Deployment'))!;
  const deploy = defs.get(name);
  const gvk = deploy.vendor_extension.find((e: any) => e.name === 'x-kubernetes-group-version-kind');
  t.deepEqual(JSON.parse(gvk.value.yaml), doc.definitions[name]['x-kubernetes-group-version-kind']);
  const spec = deploy.properties.additional_properties.find((p: any) => p.name === 'spec').value;
  t.is(spec._ref, doc.definitions[name].properties.spec.$ref);
});

test('the server answers /openapi/v2 in protobuf when kubectl asks for it, JSON otherwise', async (t) => {
  const fx = await startFixture(t, { hooks: { openapiV2 } });
  const pb = await fx.call('GET', '/openapi/v2', undefined, { Accept: OPENAPI_V2_PROTOBUF });
  t.is(pb.status, 200);
  t.is(pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'upstream answers with .v1.0: kubectl cannot parse the @ of what it asks for');
  const json = await fx.call('GET', '/openapi/v2');
  t.is(json.json?.swagger, '2.0');
});
