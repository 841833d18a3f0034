import test from 'ava';
import { FakePackageFiles } from '../../../src/host/packages/fake.js';
import { RealPackageFiles } from '../../../src/host/packages/real.js';
import { readModels } from '../../../src/api/openapi/models.js';

const WIDGET = `import { IIoK8sApimachineryPkgApisMetaV1ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
/**
 * Widget is a test kind.
 */
export interface IWidget extends TypeMeta {
    "apiVersion": "example.io/v1";
    "kind": "Widget";
    "metadata"?: IIoK8sApimachineryPkgApisMetaV1ObjectMeta;
    /**
     * size in bytes.
     */
    "size": number;
    "mode"?: "A" | "B";
    "tags"?: Array<string>;
}
export { IWidget as IIoK8sApiExampleV1Widget, Widget as IoK8sApiExampleV1Widget };
`;
// The compiled validator says size is an int64 (the .d.ts only says number).
const WIDGET_VALIDATOR = 'void 0===data.size||validate9(data.size,{}); function validate9(data){if(!fmt(data))errors={params:{format:"int64"}};return validate9.errors}';

const packages = (extra: [string, string][] = []) => new FakePackageFiles(new Map([
  ['kubernetes-models', new Map<string, string>([
    ['example/v1/Widget.d.ts', WIDGET],
    ['example/v1/index.d.ts', 'export * from "./Widget";'],
    ['_schemas/IoK8sApiExampleV1Widget.js', WIDGET_VALIDATOR],
    ...extra,
  ])],
  ['@kubernetes-models/apimachinery', new Map<string, string>()],
]));

test('a kind is read from its .d.ts: fields, required, enums, refs and its GVK', (t) => {
  const m = readModels(packages());
  const widget = m.definitions.get('io.k8s.api.example.v1.Widget');
  t.is(m.byGvk.get('example.io/v1/Widget'), 'io.k8s.api.example.v1.Widget');
  t.deepEqual(widget?.required, ['size']);
  t.deepEqual(widget?.properties?.size, { description: 'size in bytes.', type: 'integer', format: 'int64' });
  t.deepEqual(widget?.properties?.mode, { type: 'string', enum: ['A', 'B'] });
  t.deepEqual(widget?.properties?.tags, { type: 'array', items: { type: 'string' } });
  t.is(widget?.properties?.metadata?.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  t.deepEqual(widget?.['x-kubernetes-group-version-kind'], [{ group: 'example.io', version: 'v1', kind: 'Widget' }]);
  // The scalars the .d.ts files spell as bare types are always there.
  t.is(m.definitions.get('io.k8s.apimachinery.pkg.util.intstr.IntOrString')?.format, 'int-or-string');
});

test('index files and the compiled validators are not definitions', (t) => {
  const m = readModels(packages([['_schemas/Stray.d.ts', WIDGET.replace(/Widget/g, 'Stray')]]));
  t.false([...m.definitions.keys()].some((k) => k.endsWith('.Stray')));
});

test('reading fails when kubernetes-models is not installed', (t) => {
  t.throws(() => readModels(new FakePackageFiles(new Map())), { message: /kubernetes-models/ });
});

test('the real reader finds an installed package and answers undefined for a missing file', (t) => {
  const files = new RealPackageFiles();
  t.regex(files.read('kubernetes-models', 'package.json') ?? '', /"name": "kubernetes-models"/);
  t.is(files.read('kubernetes-models', 'no/such/file.d.ts'), undefined);
  t.true(files.list('kubernetes-models', 'coordination.k8s.io').includes('coordination.k8s.io/v1/Lease.d.ts'));
  t.throws(() => files.list('no-such-package-skiff'));
});
