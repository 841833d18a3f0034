// /exec, /attach and /portForward: the runtime's streaming URL for the request (CRI Exec,
// Attach, PortForward), then the client's upgraded connection proxied to it unchanged, as
// upstream's kubelet does without redirects: SPDY or WebSocket, whichever the client asked,
// is spoken between the client and the runtime's streaming server.
import type { IncomingMessage } from 'node:http';
import type { Pod } from '../../api/types.js';
import type { CriClient } from '../../cri/client.js';
import { CriError } from '../../cri/errors.js';
import { dialTarget, spliceUpgrade, upgradeRequestHead } from '../../http/upgrade-proxy.js';
import type { Upgrade } from '../../http/upgrade-response.js';
import { containerInstances, findPod } from './containers.js';
import { POD_UID } from '../pods/labels.js';
import { HttpError } from './http-error.js';

export interface StreamingDeps {
  cri: CriClient;
  pods: () => readonly Pod[];
}

export type StreamKind = 'exec' | 'attach' | 'portForward';

/** The kubelet's own parameter names (input, output, error, tty), true only as "1": what the apiserver sends. */
const flag = (q: URLSearchParams, name: string) => q.get(name) === '1';

/**
 * parts: {namespace}/{pod}[/{uid}]/{container} (exec, attach) or {namespace}/{pod}[/{uid}]
 * (portForward). Throws HttpError before the upgrade: 404 unknown pod, 400 no stream asked
 * for or not an upgrade, 500 no running container or the runtime's refusal.
 */
export async function serveStream(deps: StreamingDeps, kind: StreamKind, parts: readonly string[], req: IncomingMessage, q: URLSearchParams, upgrade: Upgrade | undefined): Promise<void> {
  const [namespace, podName] = parts;
  const wantsContainer = kind !== 'portForward';
  const container = wantsContainer ? parts[parts.length - 1] : undefined;
  const expected = wantsContainer ? [3, 4] : [2, 3];
  if (!namespace || !podName || !expected.includes(parts.length) || (wantsContainer && !container)) throw new HttpError(404, '404 page not found\n');
  const pod = findPod(deps.pods(), namespace, podName);
  const uid = parts.length === expected[1] ? parts[2] : undefined;
  if (!pod || (uid !== undefined && pod.metadata?.uid !== uid)) throw new HttpError(404, 'pod does not exist');
  const url = kind === 'portForward' ? await portForwardUrl(deps, pod, q) : await commandUrl(deps, kind, pod, container!, q);
  if (!upgrade) throw new HttpError(400, 'Upgrade request required');
  let target;
  try {
    target = await dialTarget(new URL(url));
  } catch (err) {
    throw new HttpError(500, `error dialing backend: ${(err as Error).message}`);
  }
  await spliceUpgrade(upgrade.takeSocket(), upgrade.head, target, upgradeRequestHead(req, new URL(url)));
}

async function commandUrl(deps: StreamingDeps, kind: 'exec' | 'attach', pod: Pod, container: string, q: URLSearchParams): Promise<string> {
  const tty = flag(q, 'tty');
  const stdin = flag(q, 'input');
  const stdout = flag(q, 'output');
  // A terminal has one output stream: upstream drops stderr rather than refusing.
  const stderr = !tty && flag(q, 'error');
  if (!stdin && !stdout && !stderr) throw new HttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  const running = (await containerInstances(deps.cri, pod, container)).find((c) => c.state === 'CONTAINER_RUNNING');
  if (!running) throw new HttpError(500, `container not found ("${container}")`);
  try {
    const res = kind === 'exec'
      ? await deps.cri.runtime.exec({ containerId: running.id, cmd: q.getAll('command'), tty, stdin, stdout, stderr })
      : await deps.cri.runtime.attach({ containerId: running.id, tty, stdin, stdout, stderr });
    return res.url;
  } catch (err) {
    throw runtimeRefusal(err);
  }
}

/** The runtime's refusal as upstream's streaming.WriteError answers it: NotFound 404, ResourceExhausted 429, else 500. */
function runtimeRefusal(err: unknown): HttpError {
  const kind = err instanceof CriError ? err.kind : undefined;
  return new HttpError(kind === 'notFound' ? 404 : kind === 'resourceExhausted' ? 429 : 500, (err as Error).message);
}

async function portForwardUrl(deps: StreamingDeps, pod: Pod, q: URLSearchParams): Promise<string> {
  // Each `port` may list several, comma-separated (what the apiserver sends).
  const given = q.getAll('port').flatMap((p) => p.split(','));
  const ports = given.map((p) => (/^\d+$/.test(p.trim()) ? Number(p.trim()) : NaN));
  if (ports.some((p) => !(p >= 1 && p <= 65535))) throw new HttpError(400, `invalid port in ${JSON.stringify(given)}`);
  const { items } = await deps.cri.runtime.listPodSandbox({ filter: { state: { state: 'SANDBOX_READY' }, labelSelector: { [POD_UID]: pod.metadata?.uid ?? '' } } });
  const sandbox = items[0];
  if (!sandbox) throw new HttpError(500, `pod "${pod.metadata?.name}" has no running sandbox`);
  try {
    return (await deps.cri.runtime.portForward({ podSandboxId: sandbox.id, port: ports })).url;
  } catch (err) {
    throw runtimeRefusal(err);
  }
}
