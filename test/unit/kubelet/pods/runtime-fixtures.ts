// Runtime views and pods for the pure parts' tests: what readPodRuntime would have read.
import type { Pod } from '../../../../src/api/types.js';
import type { ContainerView, PodRuntime, SandboxView } from '../../../../src/kubelet/pods/runtime-view.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}, status?: Pod['status']): Pod => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1' },
  spec: { containers: [{ name: 'app', image: 'busybox:1' }], ...spec },
  ...(status ? { status } : {}),
});
export const sandbox = (over: Partial<SandboxView> = {}): SandboxView => ({ id: 'sb1', attempt: 0, ready: true, createdAtMs: T0, ips: ['10.244.0.5'], ...over });
let seq = 0;
export const ctr = (name: string, over: Partial<ContainerView> = {}): ContainerView => ({
  id: `c${++seq}`, sandboxId: 'sb1', name, restartCount: 0, hash: '', state: 'RUNNING', createdAtMs: T0, startedAtMs: T0 + 1000, finishedAtMs: 0,
  exitCode: 0, reason: '', message: '', image: 'docker.io/library/busybox:1', imageRef: 'docker.io/library/busybox@sha256:aa', ...over,
});
export const rt = (sandboxes: SandboxView[], containers: ContainerView[]): PodRuntime => ({ sandboxes, containers, stale: [] });
