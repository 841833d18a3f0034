// What the attacker scripts share: a `skiff server` with static-token users, kubeconfigs for
// a token or a client certificate (no admin credentials in them), and kubectl runs as admin
// or as the attacker. Everything lives in one temp dir removed by `stop()`.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, removeDir, startServer, type Run, type RunningServer } from '../skiff-server.js';

export interface Lab {
  server: RunningServer;
  tmp: string;
  /** Bearer token of each user named at start. */
  tokens: Record<string, string>;
  admin(args: string[], stdin?: string): Promise<Run>;
  /** A kubeconfig holding only `user`'s token. */
  tokenKubeconfig(user: string): Promise<string>;
  /** A kubeconfig holding only the given client certificate and key (PEM). */
  certKubeconfig(cert: string, key: string): Promise<string>;
  stop(): Promise<void>;
}

export const unique = (p: string) => `${p}-${randomBytes(3).toString('hex')}`;

/** Starts a server whose token file holds `users` (each in group `groups[user]` if given). */
export async function startLab(users: string[], extraArgs: string[] = [], groups: Record<string, string> = {}): Promise<Lab> {
  const tmp = await mkdtemp(join(tmpdir(), 'skiff-e2e-sec-'));
  const tokens: Record<string, string> = {};
  for (const u of users) tokens[u] = randomBytes(16).toString('hex');
  await writeFile(join(tmp, 'tokens.csv'), users.map((u) => `${tokens[u]},${u},uid-${u}${groups[u] ? `,"${groups[u]}"` : ''}\n`).join(''), { mode: 0o600 });
  let server: RunningServer;
  try {
    server = await startServer(['--token-auth-file', join(tmp, 'tokens.csv'), ...extraArgs]);
  } catch (err) {
    await removeDir(tmp);
    throw err;
  }
  const ca = join(server.dir, 'pki', 'ca.crt');
  const kubeconfig = async (user: string) => {
    const path = join(tmp, `${unique('kc')}.yaml`);
    await writeFile(path, `apiVersion: v1
kind: Config
clusters: [{name: skiff, cluster: {server: ${server.url}, certificate-authority: ${ca}}}]
users: [{name: u, user: ${user}}]
contexts: [{name: u, context: {cluster: skiff, user: u}}]
current-context: u
`, { mode: 0o600 });
    return path;
  };
  return {
    server, tmp, tokens,
    admin: (args, stdin) => kubectl(server.kubeconfig, args, stdin),
    tokenKubeconfig: (user) => kubeconfig(`{token: ${tokens[user]}}`),
    async certKubeconfig(cert, key) {
      const name = unique('cert');
      await writeFile(join(tmp, `${name}.crt`), cert);
      await writeFile(join(tmp, `${name}.key`), key, { mode: 0o600 });
      return kubeconfig(`{client-certificate: ${join(tmp, `${name}.crt`)}, client-key: ${join(tmp, `${name}.key`)}}`);
    },
    async stop() {
      await server.stop();
      await removeDir(server.dir);
      await removeDir(tmp);
    },
  };
}

/** Retries a kubectl run until `done` holds: RBAC takes a new binding from its watch event. */
export async function until(run: () => Promise<Run>, done: (r: Run) => boolean): Promise<Run> {
  for (;;) {
    const r = await run();
    if (done(r)) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}
