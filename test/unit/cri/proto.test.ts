import { readFileSync } from 'node:fs';
import test from 'ava';
import protobuf from 'protobufjs';
import { apiProto } from '../../../src/cri/gen/api-proto.js';
import { criDefinitions } from '../../../src/cri/load.js';

const protoPath = new URL('../../../src/cri/proto/api.proto', import.meta.url);
// keepCase: the names exactly as written, to compare with upstream's spelling.
const root = protobuf.parse(readFileSync(protoPath, 'utf8'), { keepCase: true }).root;
root.resolveAll();
const field = (msg: string, name: string) => root.lookupType(`runtime.v1.${msg}`).fields[name];
const enumValue = (e: string, name: string) => root.lookupEnum(`runtime.v1.${e}`).values[name];

test('the embedded proto text is the .proto file (run `npm run gen:cri` after editing it)', (t) => {
  t.is(apiProto, readFileSync(protoPath, 'utf8'));
});

// Numbers read from upstream k8s.io/cri-api pkg/apis/runtime/v1/api.proto.
test('field numbers and types match upstream', (t) => {
  const expect: Array<[string, string, number, string]> = [
    ['PodSandboxConfig', 'metadata', 1, 'PodSandboxMetadata'],
    ['PodSandboxConfig', 'windows', 9, 'WindowsPodSandboxConfig'],
    ['ContainerConfig', 'log_path', 11, 'string'],
    ['ContainerConfig', 'CDI_devices', 17, 'CDIDevice'],
    ['ContainerConfig', 'stop_signal', 18, 'Signal'],
    ['LinuxSandboxSecurityContext', 'run_as_group', 8, 'Int64Value'],
    ['LinuxSandboxSecurityContext', 'supplemental_groups_policy', 11, 'SupplementalGroupsPolicy'],
    ['LinuxContainerSecurityContext', 'run_as_group', 12, 'Int64Value'],
    ['LinuxContainerSecurityContext', 'supplemental_groups_policy', 17, 'SupplementalGroupsPolicy'],
    ['ImageSpec', 'user_specified_image', 18, 'string'],
    ['ImageSpec', 'image_ref', 20, 'string'],
    ['Mount', 'uidMappings', 6, 'IDMapping'],
    ['Mount', 'image_sub_path', 10, 'string'],
    ['ContainerStatus', 'user', 18, 'ContainerUser'],
    ['ContainerStatus', 'stop_signal', 19, 'Signal'],
    ['PodSandboxStatusResponse', 'timestamp', 4, 'int64'],
    ['ContainerEventResponse', 'containers_statuses', 5, 'ContainerStatus'],
    ['LinuxContainerResources', 'memory_swap_limit_in_bytes', 10, 'int64'],
    ['ExecRequest', 'audit_request_id', 7, 'string'],
    ['PsiData', 'Avg300', 4, 'double'],
    ['StatusResponse', 'features', 4, 'RuntimeFeatures'],
    ['AuthConfig', 'registry_token', 6, 'string'],
    ['UpdatePodSandboxResourcesRequest', 'resources', 3, 'LinuxContainerResources'],
  ];
  for (const [msg, name, id, type] of expect) {
    const f = field(msg, name);
    t.truthy(f, `${msg}.${name} exists`);
    t.is(f?.id, id, `${msg}.${name} = ${id}`);
    t.is(f?.type, type, `${msg}.${name} is ${type}`);
  }
  t.true(field('ContainerConfig', 'labels')?.map);
  t.true(field('ListContainersResponse', 'containers')?.repeated);
});

test('enum values match upstream', (t) => {
  t.is(enumValue('Signal', 'SIGRTMAX'), 65);
  t.is(enumValue('Signal', 'SIGTERM'), 23);
  t.is(enumValue('CgroupDriver', 'SYSTEMD'), 0);
  t.is(enumValue('CgroupDriver', 'CGROUPFS'), 1);
  t.is(enumValue('ContainerEventType', 'CONTAINER_DELETED_EVENT'), 3);
  t.is(enumValue('ContainerState', 'CONTAINER_UNKNOWN'), 3);
  t.is(enumValue('NamespaceMode', 'TARGET'), 3);
  t.is(root.lookupEnum('runtime.v1.SecurityProfile.ProfileType').values.Localhost, 2);
});

test('services have upstream RPCs, with the streaming ones streaming', (t) => {
  const runtime = root.lookupService('runtime.v1.RuntimeService').methods;
  const image = root.lookupService('runtime.v1.ImageService').methods;
  t.is(Object.keys(runtime).length, 35);
  t.is(Object.keys(image).length, 6);
  const events = runtime.GetContainerEvents!;
  t.deepEqual([events.requestType, events.responseType, events.requestStream ?? false, events.responseStream], ['GetEventsRequest', 'ContainerEventResponse', false, true]);
  const streaming = Object.values({ ...runtime, ...image }).filter((m) => m.responseStream).map((m) => m.name).sort();
  t.deepEqual(streaming, ['GetContainerEvents', 'StreamContainerStats', 'StreamContainers', 'StreamImages', 'StreamPodSandboxMetrics', 'StreamPodSandboxStats', 'StreamPodSandboxes']);
  t.is(runtime.UpdatePodSandboxResources?.requestType, 'UpdatePodSandboxResourcesRequest');
  t.is(criDefinitions().RuntimeService.Version.path, '/runtime.v1.RuntimeService/Version');
  t.is(criDefinitions().ImageService.PullImage.path, '/runtime.v1.ImageService/PullImage');
});

test('field numbers reach the wire: ContainerConfig.log_path is tag 11', (t) => {
  const def = criDefinitions().RuntimeService.CreateContainer;
  const bytes = def.requestSerialize({ config: { logPath: 'x' } });
  // field 2 (config), length 3: field 11 wire type 2 = 0x5a, length 1, 'x'
  t.deepEqual([...bytes], [0x12, 0x03, 0x5a, 0x01, 0x78]);
});

test('int64 nanosecond timestamps survive as decimal strings; enums are names', (t) => {
  const def = criDefinitions().RuntimeService.PodSandboxStatus;
  const ns = '1700000000123456789'; // > 2^53: a Number would round it
  const out = def.responseDeserialize(def.responseSerialize({ status: { createdAt: ns, state: 'SANDBOX_NOTREADY' }, timestamp: 1 }));
  t.is(out.status?.createdAt, ns);
  t.is(out.status?.state, 'SANDBOX_NOTREADY');
  t.is(out.timestamp, '1');
  // defaults are filled, absent messages are null
  t.deepEqual([out.status?.labels, out.containersStatuses, out.status?.metadata, out.status?.id], [{}, [], null, '']);
});

test('an enum number this proto does not know is delivered as the number', (t) => {
  const def = criDefinitions().RuntimeService.RuntimeConfig;
  const out = def.responseDeserialize(Buffer.from([0x0a, 0x02, 0x08, 0x07])); // linux { cgroup_driver: 7 }
  t.is(out.linux?.cgroupDriver as unknown, 7);
});
