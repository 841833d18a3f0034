// What the client-node e2e files share: clients from a server's admin.kubeconfig, the Status
// inside a client-node ApiException, and a recorder that waits for events in order.
import { AppsV1Api, CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { RunningServer } from './skiff-server.js';

export interface Clients { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api }

/** Clients for `server` (reads its admin.kubeconfig; throws when the file is missing). */
export function clientsFor(server: RunningServer): Clients {
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

export const unique = (p: string): string => `${p}-${randomBytes(3).toString('hex')}`;

/** HTTP code and the Status reason/message of a rejected client-node call; throws back anything else. */
export async function statusOf(call: Promise<unknown>): Promise<{ code: number; reason?: string; message?: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code?: unknown; body?: unknown };
    if (typeof e.code !== 'number') throw err;
    const body = typeof e.body === 'string' ? safeJson(e.body) : e.body;
    const status = (body ?? {}) as { reason?: string; message?: string };
    return { code: e.code, reason: status.reason, message: status.message };
  }
  throw new Error('expected the call to be rejected');
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

export const configMap = (name: string, data: Record<string, string> = { k: 'v' }, labels?: Record<string, string>): V1ConfigMap =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data });

/** Lines like `add:name` appended by callbacks; `waitFor` resolves once one is seen (the ava timeout bounds it). */
export class Recorder {
  readonly seen: string[] = [];
  private waiters: (() => void)[] = [];

  push(entry: string): void {
    this.seen.push(entry);
    for (const w of this.waiters.splice(0)) w();
  }

  async waitFor(entry: string | ((seen: readonly string[]) => boolean)): Promise<void> {
    const ok = typeof entry === 'string' ? (s: readonly string[]) => s.includes(entry) : entry;
    while (!ok(this.seen)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
