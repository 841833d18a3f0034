import { readFileSync } from 'node:fs';
import test from 'ava';
import { models, type Schema } from '../../../src/api/openapi/models.js';
import { renderApiTypes, ROOT_KINDS } from '../../../src/api/openapi/render-types.js';
import type { Container, EventsV1Event, JsonObject, KubeObject, Pod, Service } from '../../../src/api/types.js';

test('the checked-in types.generated.ts is what `npm run gen:types` writes', (t) => {
  const checkedIn = readFileSync(new URL('../../../src/api/types.generated.ts', import.meta.url), 'utf8');
  t.true(checkedIn === renderApiTypes(models().definitions), 'stale: run `npm run gen:types`');
});

test('every root kind is generated, with metadata required and referenced types alongside', (t) => {
  const text = renderApiTypes(models().definitions);
  for (const def of ROOT_KINDS) {
    const kind = def.slice(def.lastIndexOf('.') + 1);
    t.regex(text, new RegExp(`^export type (\\w+V\\d+)?${kind} = \\{[^]*?\\n  metadata: ObjectMeta;`, 'm'), def);
  }
  for (const referenced of ['PodSpec', 'Container', 'Probe', 'Volume', 'ServiceSpec', 'NodeStatus', 'LabelSelector']) {
    t.regex(text, new RegExp(`^export type ${referenced} = \\{`, 'm'), referenced);
  }
  t.regex(text, /^export type IntOrString = number \| string;$/m);
  t.regex(text, /^export type Quantity = string;$/m);
  // Code only: descriptions and string literals (a CSR usage is called 'any') may say anything.
  const code = text.replace(/\/\*\*[^]*?\*\//g, '').replace(/^\/\/.*$/gm, '').replace(/'[^'\n]*'/g, "''");
  t.notRegex(code, /\bany\b|\bDate\b|\bclass\b|\binterface\b/);
});

const def = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ type: 'object', properties, ...extra });
const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

test('kinds that share a name keep it in core and are qualified by group and version elsewhere', (t) => {
  const defs = new Map(ROOT_KINDS.map((root) => [root, def({})]));
  defs.set('io.k8s.api.core.v1.Pod', def({ port: ref('io.k8s.api.core.v1.EndpointPort') }));
  defs.set('io.k8s.api.discovery.v1.EndpointSlice', def({ ports: { type: 'array', items: ref('io.k8s.api.discovery.v1.EndpointPort') } }));
  defs.set('io.k8s.api.core.v1.EndpointPort', def({ port: { type: 'integer' } }, { required: ['port'] }));
  defs.set('io.k8s.api.discovery.v1.EndpointPort', def({ protocol: { type: 'string', enum: ['TCP', 'UDP'] } }));
  const text = renderApiTypes(defs);
  t.regex(text, /^export type EndpointPort = \{\n {2}port: number;\n\};$/m);
  t.regex(text, /^export type DiscoveryV1EndpointPort = \{\n {2}protocol\?: 'TCP' \| 'UDP';\n\};$/m);
  t.regex(text, /^ {2}ports\?: DiscoveryV1EndpointPort\[\];$/m);
});

test('a reference to a definition that does not exist is refused', (t) => {
  const defs = new Map(ROOT_KINDS.map((root) => [root, def({})]));
  defs.set('io.k8s.api.core.v1.Pod', def({ spec: ref('io.k8s.api.core.v1.Nowhere') }));
  t.throws(() => renderApiTypes(defs), { message: /no definition io\.k8s\.api\.core\.v1\.Nowhere/ });
});

test('generated kinds are KubeObjects and JSON without a cast (checked by tsc)', (t) => {
  const container: Container = { name: 'web', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] };
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns' }, spec: { containers: [container] } };
  const svc: Service = { metadata: { name: 'web' }, spec: { ports: [{ port: 80, targetPort: 'http' }] } };
  const event: EventsV1Event = { metadata: { name: 'e' }, eventTime: '2024-01-01T00:00:00.000000Z' };
  const asKube: KubeObject[] = [pod, svc, event];
  const asJson: JsonObject[] = [pod, svc, event];
  t.is(asKube.length, asJson.length);
});
