// What the runtime holds for one pod, read through the CRI and reduced to what the pod worker
// and the status generator decide on (upstream kubecontainer.PodStatus). Times are epoch ms.
import type { CriClient } from '../../cri/client.js';
import type { ContainerStatus__Output } from '../../cri/gen/runtime/v1/ContainerStatus.js';
import { ownValue } from '../../own-keys.js';
import { CONTAINER_HASH, POD_UID, restartCountOf } from './labels.js';

export type ContainerState = 'CREATED' | 'RUNNING' | 'EXITED' | 'UNKNOWN';

export interface SandboxView {
  id: string;
  attempt: number;
  ready: boolean;
  createdAtMs: number;
  /** The pod's addresses (the first is podIP); empty on the host network or when not ready. */
  ips: string[];
}

export interface ContainerView {
  id: string;
  sandboxId: string;
  name: string;
  restartCount: number;
  hash: string;
  state: ContainerState;
  createdAtMs: number;
  startedAtMs: number;
  finishedAtMs: number;
  exitCode: number;
  /** The runtime's word for an exit: Completed, Error, OOMKilled. */
  reason: string;
  message: string;
  image: string;
  imageRef: string;
}

export interface PodRuntime {
  /** Newest first. */
  sandboxes: SandboxView[];
  /** Newest first. */
  containers: ContainerView[];
  /** Stopped containers older than the two newest of their name: nobody reads them any more. */
  stale: string[];
}

/** CRI nanosecond timestamps (decimal strings) as epoch ms; 0 stays 0 (never happened). */
export const nsToMs = (ns: string | number): number => Number(BigInt(ns) / 1_000_000n);

const byNewest = (a: string, b: string): number => { const d = BigInt(b) - BigInt(a); return d > 0n ? 1 : d < 0n ? -1 : 0; };

const STATES = new Map<string, ContainerState>([['CONTAINER_CREATED', 'CREATED'], ['CONTAINER_RUNNING', 'RUNNING'], ['CONTAINER_EXITED', 'EXITED']]);

export function containerView(s: ContainerStatus__Output, sandboxId: string): ContainerView {
  return {
    id: s.id, sandboxId, name: s.metadata?.name ?? '', restartCount: restartCountOf(s.annotations), hash: ownValue(s.annotations, CONTAINER_HASH) ?? '',
    state: STATES.get(String(s.state)) ?? 'UNKNOWN', createdAtMs: nsToMs(s.createdAt), startedAtMs: nsToMs(s.startedAt), finishedAtMs: nsToMs(s.finishedAt),
    exitCode: s.exitCode, reason: s.reason, message: s.message, image: s.image?.image ?? '', imageRef: s.imageRef,
  };
}

/** The latest container of each name, and the one before it (for lastState). */
export function latestByName(r: PodRuntime): Map<string, { current: ContainerView; previous?: ContainerView }> {
  const out = new Map<string, { current: ContainerView; previous?: ContainerView }>();
  for (const c of r.containers) {
    const seen = out.get(c.name);
    if (!seen) out.set(c.name, { current: c });
    else if (!seen.previous) seen.previous = c;
  }
  return out;
}

/**
 * The pod's sandboxes and containers by its uid label. Only the two newest containers of each
 * name are asked for their full status: older attempts matter to nobody. Rejects with CriError.
 */
export async function readPodRuntime(cri: CriClient, uid: string): Promise<PodRuntime> {
  const selector = { [POD_UID]: uid };
  const [sbs, ctrs] = await Promise.all([
    cri.runtime.listPodSandbox({ filter: { labelSelector: selector } }),
    cri.runtime.listContainers({ filter: { labelSelector: selector } }),
  ]);
  const sorted = [...sbs.items].sort((a, b) => byNewest(a.createdAt, b.createdAt));
  const sandboxes: SandboxView[] = [];
  for (const [i, s] of sorted.entries()) {
    const ready = s.state === 'SANDBOX_READY';
    // Only the newest sandbox's address matters; asking the others would cost RPCs for nothing.
    const net = i === 0 && ready ? (await cri.runtime.podSandboxStatus({ podSandboxId: s.id }).catch(() => undefined))?.status?.network : undefined;
    const ips = net?.ip ? [net.ip, ...net.additionalIps.map((x) => x.ip)] : [];
    sandboxes.push({ id: s.id, attempt: s.metadata?.attempt ?? 0, ready, createdAtMs: nsToMs(s.createdAt), ips });
  }
  const byName = new Map<string, typeof ctrs.containers>();
  const stale: string[] = [];
  for (const c of [...ctrs.containers].sort((a, b) => byNewest(a.createdAt, b.createdAt))) {
    const name = c.metadata?.name ?? '';
    const list = byName.get(name) ?? [];
    if (list.length < 2) list.push(c);
    else if (c.state !== 'CONTAINER_RUNNING') stale.push(c.id);
    byName.set(name, list);
  }
  const wanted = [...byName.values()].flat();
  const statuses = await Promise.all(wanted.map(async (c) => {
    const res = await cri.runtime.containerStatus({ containerId: c.id }).catch(() => undefined);
    return res?.status ? containerView(res.status, c.podSandboxId) : undefined;
  }));
  const containers = statuses.filter((c): c is ContainerView => c !== undefined).sort((a, b) => b.createdAtMs - a.createdAtMs || b.restartCount - a.restartCount);
  return { sandboxes, containers, stale };
}
