import type { CriError } from '../../src/cri/errors.js';
import { createContainer, exec, runPod, sleeper, startContainer, type RegisterCases } from './suite.js';

// cri-tools validate/security_context.go: users, a read-only rootfs, capabilities.
const CAP_CHOWN = 0;
const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;

async function capEff(fx: Parameters<typeof exec>[0], id: string): Promise<bigint> {
  const status = (await exec(fx, id, ['cat', '/proc/self/status'])).stdout;
  return BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
}
const has = (caps: bigint, bit: number) => ((caps >> BigInt(bit)) & 1n) === 1n;

export const securityCases: RegisterCases = (test, fx) => {
  test('run_as_user and run_as_group set the process ids; the image user applies when unset', async (t) => {
    const pod = await runPod(t, fx());
    const forced = await startContainer(t, fx(), pod, sleeper(fx(), { linux: { securityContext: { runAsUser: { value: 1234 }, runAsGroup: { value: 5678 } } } }));
    t.is((await exec(fx(), forced, ['id', '-u'])).stdout.trim(), '1234');
    t.is((await exec(fx(), forced, ['id', '-g'])).stdout.trim(), '5678');
    const httpd = await startContainer(t, fx(), pod, { image: { image: fx().images.httpd } });
    t.is((await exec(fx(), httpd, ['id', '-u'])).stdout.trim(), '1000', 'httpd image user 1000:1000');
    t.is((await exec(fx(), httpd, ['id', '-g'])).stdout.trim(), '1000');
    const root = await startContainer(t, fx(), pod, sleeper(fx()));
    t.is((await exec(fx(), root, ['id', '-u'])).stdout.trim(), '0');
  });

  test('readonly_rootfs makes the root filesystem read-only', async (t) => {
    const pod = await runPod(t, fx());
    const ro = await startContainer(t, fx(), pod, sleeper(fx(), { linux: { securityContext: { readonlyRootfs: true } } }));
    const rw = await startContainer(t, fx(), pod, sleeper(fx()));
    const r = await exec(fx(), ro, ['touch', '/newfile']);
    t.not(r.exitCode, 0);
    t.regex(r.stderr, /Read-only file system/i);
    t.is((await exec(fx(), rw, ['touch', '/newfile'])).exitCode, 0);
  });

  test('capabilities: add and drop show in CapEff', async (t) => {
    const pod = await runPod(t, fx());
    const plain = await startContainer(t, fx(), pod, sleeper(fx()));
    const added = await startContainer(t, fx(), pod, sleeper(fx(), { linux: { securityContext: { capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['CHOWN'] } } } }));
    const none = await startContainer(t, fx(), pod, sleeper(fx(), { linux: { securityContext: { capabilities: { dropCapabilities: ['ALL'] } } } }));
    const [p, a, n] = [await capEff(fx(), plain), await capEff(fx(), added), await capEff(fx(), none)];
    t.true(has(p, CAP_CHOWN), 'CHOWN is in the default set');
    t.false(has(p, CAP_NET_ADMIN), 'NET_ADMIN is not');
    t.false(has(p, CAP_SYS_ADMIN));
    t.true(has(a, CAP_NET_ADMIN));
    t.false(has(a, CAP_CHOWN));
    t.is(n, 0n);
  });

  test('run_as_group without run_as_user or run_as_username is refused', async (t) => {
    // cri-tools: "runtime should return error if RunAsGroup is set without RunAsUser".
    const pod = await runPod(t, fx());
    const err = await t.throwsAsync<CriError>(createContainer(t, fx(), pod, sleeper(fx(), { linux: { securityContext: { runAsGroup: { value: 5678 } } } })));
    // skiff answers INVALID_ARGUMENT; containerd 1.6 the same message as UNKNOWN (an unclassified error).
    t.log(`${fx().name}: ${err?.kind}: ${err?.message}`);
    t.true(err?.kind === 'invalidArgument' || err?.kind === 'unknown', String(err));
    t.regex(err?.message ?? '', /user group "5678" is specified without user/);
    t.deepEqual((await fx().cri.runtime.listContainers({ filter: { podSandboxId: pod.id } })).containers, []);
  });
};
