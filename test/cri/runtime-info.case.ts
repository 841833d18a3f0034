import type { RegisterCases } from './suite.js';

// cri-tools validate/runtime_info.go: Version and Status.
export const runtimeInfoCases: RegisterCases = (test, fx) => {
  test('Version names the runtime and speaks CRI v1', async (t) => {
    const v = await fx().cri.runtime.version({ version: 'v1' });
    t.truthy(v.version);
    t.truthy(v.runtimeName);
    t.truthy(v.runtimeVersion);
    t.is(v.runtimeApiVersion, 'v1');
  });

  test('Status reports RuntimeReady and NetworkReady true', async (t) => {
    const { status } = await fx().cri.runtime.status({});
    const conditions = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, c.status]));
    t.like(conditions, { RuntimeReady: true, NetworkReady: true });
  });
};
