// CRI requests as the gRPC layer hands them over (every field present, defaults filled),
// built from the few fields a test cares about. Shared by the cri-oci-* tests.
import type { ContainerConfig__Output } from '../../../../src/cri/gen/runtime/v1/ContainerConfig.js';
import type { LinuxContainerResources__Output } from '../../../../src/cri/gen/runtime/v1/LinuxContainerResources.js';
import type { LinuxContainerSecurityContext__Output } from '../../../../src/cri/gen/runtime/v1/LinuxContainerSecurityContext.js';
import type { Mount__Output } from '../../../../src/cri/gen/runtime/v1/Mount.js';
import type { PodSandboxConfig__Output } from '../../../../src/cri/gen/runtime/v1/PodSandboxConfig.js';
import type { SpecInput } from '../../../../src/cri/oci/spec.js';

export function securityContext(sc: Partial<LinuxContainerSecurityContext__Output> = {}): LinuxContainerSecurityContext__Output {
  return {
    capabilities: null, privileged: false, namespaceOptions: null, selinuxOptions: null, runAsUser: null, runAsUsername: '',
    readonlyRootfs: false, supplementalGroups: [], apparmorProfile: '', seccompProfilePath: '', noNewPrivs: false, runAsGroup: null,
    maskedPaths: [], readonlyPaths: [], seccomp: null, apparmor: null, supplementalGroupsPolicy: 'Merge', ...sc,
  };
}

export function resources(r: Partial<LinuxContainerResources__Output> = {}): LinuxContainerResources__Output {
  return {
    cpuPeriod: '0', cpuQuota: '0', cpuShares: '0', memoryLimitInBytes: '0', oomScoreAdj: '0', cpusetCpus: '', cpusetMems: '',
    hugepageLimits: [], unified: {}, memorySwapLimitInBytes: '0', ...r,
  };
}

export function mount(m: Partial<Mount__Output> & { containerPath: string; hostPath: string }): Mount__Output {
  return { readonly: false, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE', uidMappings: [], gidMappings: [], recursiveReadOnly: false, image: null, imageSubPath: '', ...m };
}

export function container(c: Partial<ContainerConfig__Output> & { sc?: Partial<LinuxContainerSecurityContext__Output>; res?: Partial<LinuxContainerResources__Output> } = {}): ContainerConfig__Output {
  const { sc, res, ...rest } = c;
  return {
    metadata: { name: 'app', attempt: 0 },
    image: { image: 'sha256:abc', annotations: {}, userSpecifiedImage: 'busybox:latest', runtimeHandler: '', imageRef: '' },
    command: [], args: [], workingDir: '', envs: [], mounts: [], devices: [], labels: {}, annotations: {}, logPath: '',
    stdin: false, stdinOnce: false, tty: false,
    linux: { securityContext: securityContext(sc), resources: res ? resources(res) : null },
    windows: null, CDIDevices: [], stopSignal: 'RUNTIME_DEFAULT',
    ...rest,
  };
}

export function sandbox(s: Partial<PodSandboxConfig__Output> & { privileged?: boolean; sysctls?: Record<string, string> } = {}): PodSandboxConfig__Output {
  const { privileged, sysctls, ...rest } = s;
  return {
    metadata: { name: 'web', uid: 'uid-1', namespace: 'default', attempt: 0 },
    hostname: 'web-0', logDirectory: '', dnsConfig: null, portMappings: [], labels: {}, annotations: {},
    linux: {
      cgroupParent: '', sysctls: sysctls ?? {}, overhead: null, resources: null,
      securityContext: {
        namespaceOptions: null, selinuxOptions: null, runAsUser: null, readonlyRootfs: false, supplementalGroups: [],
        privileged: privileged ?? false, seccompProfilePath: '', runAsGroup: null, seccomp: null, apparmor: null, supplementalGroupsPolicy: 'Merge',
      },
    },
    windows: null,
    ...rest,
  };
}

export const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
export const GROUP = 'root:x:0:\napp:x:1000:app\nextra:x:2000:app,other\nwheel:x:10:root\nnogroup:x:65534:\n';

/** A complete input: a pod with its own network/ipc/uts pinned, a private pid namespace. */
export function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    id: 'ctr1',
    sandboxId: 'sb1',
    container: container({ command: ['/bin/sh'] }),
    sandbox: sandbox(),
    image: { Env: ['PATH=/bin'] },
    rootfs: '/var/lib/skiff/ctr1/rootfs',
    namespaces: { network: { kind: 'path', path: '/run/skiff/ns/net-sb1' }, ipc: { kind: 'path', path: '/run/skiff/ns/ipc-sb1' }, uts: { kind: 'path', path: '/run/skiff/ns/uts-sb1' }, pid: { kind: 'new' } },
    cgroupsPath: 'skiff/podsb1/ctr1',
    etcPasswd: PASSWD,
    etcGroup: GROUP,
    host: { negativeOomScoreAdj: true },
    ...over,
  };
}
