// An in-process apiserver over the MemoryStore, built by the same composition root as `skiff
// server` (src/cli/apiserver-deps.ts) with the stand-in module hooks (test/helpers) unless a
// test passes real ones, and an HTTPS client holding the admin certificate, for the apiserver
// unit tests. One PKI per test process (RSA keys take a while).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { MemoryStore } from '../../../src/store/memory.js';
import { makePki, type Pki } from '../../../src/apiserver/pki.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../../src/apiserver/server.js';
import { apiServerDeps, type ApiServerDepsOptions, type ModuleHooks } from '../../../src/cli/apiserver-deps.js';
import { standInHooks } from '../../helpers/apiserver-stand-ins.js';

let pki: Pki | undefined;
export const testPki = (): Pki => (pki ??= makePki());

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

export interface Fixture {
  server: ApiServer;
  store: MemoryStore;
  /** Sends a request as admin (with `cert: false` anonymously, with `agent` as that agent's client certificate). Body objects are sent as JSON. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>, opts?: { cert?: boolean; agent?: Agent }): Promise<Reply>;
  /** Opens a watch and collects its events until `stop()`. */
  watch(path: string): { events: any[]; next(n: number): Promise<any[]>; stop(): void };
}

/**
 * What a test may change: the module hooks (stand-ins by default), auth and Service options,
 * the server's own, and the authenticator or authorizer the composition root built (a
 * stand-in from test/helpers, for tests about the chain itself).
 */
export interface FixtureOptions extends Partial<Pick<ApiServerDepsOptions, 'auth' | 'services' | 'clock' | 'kubeletClient'>>,
  Partial<Pick<ApiServerOptions, 'bookmarkIntervalMs' | 'maxInFlight' | 'authenticator' | 'authorize' | 'rootCaBundle'>> {
  hooks?: Partial<ModuleHooks>;
}

/** startApiServer's options for `store` as the tests' composition: the fixture PKI, stand-in hooks under `hooks`. */
export function fixtureServerOptions(store: MemoryStore, extra: FixtureOptions = {}): ApiServerOptions {
  const p = testPki();
  const { hooks, auth, services, clock, kubeletClient, ...server } = extra;
  const log = () => {};
  return {
    tls: { cert: p.serving.cert, key: p.serving.key, ca: p.ca.cert }, log,
    ...apiServerDeps({ store, log, clientCA: p.ca.cert, hooks: { ...standInHooks(), ...hooks }, ...(auth ? { auth } : {}), ...(services ? { services } : {}), ...(clock ? { clock } : {}), ...(kubeletClient ? { kubeletClient } : {}) }),
    ...server,
  };
}

export async function startFixture(t: ExecutionContext, extra: FixtureOptions = {}): Promise<Fixture> {
  const p = testPki();
  const store = new MemoryStore();
  const server = await startApiServer(fixtureServerOptions(store, extra));
  const agent = new Agent({ keepAlive: true, ca: p.ca.cert, cert: p.admin.cert, key: p.admin.key });
  const anon = new Agent({ keepAlive: false, ca: p.ca.cert });
  const open = new Set<() => void>();
  t.teardown(async () => {
    for (const stop of open) stop();
    agent.destroy();
    anon.destroy();
    await server.close();
    await store.close();
  });
  const call: Fixture['call'] = (method, path, body, headers = {}, opts = {}) => new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const req = request(`${server.url}${path}`, {
      method, agent: opts.agent ?? (opts.cert === false ? anon : agent),
      headers: { ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
  const watch: Fixture['watch'] = (path) => {
    const events: any[] = [];
    const waiters: (() => void)[] = [];
    let buf = '';
    const req = request(`${server.url}${path}`, { agent: new Agent({ ca: p.ca.cert, cert: p.admin.cert, key: p.admin.key }) }, (res) => {
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', () => { for (const w of waiters.splice(0)) w(); });
    });
    req.on('error', () => {});
    req.end();
    const stop = () => req.destroy();
    open.add(stop);
    return {
      events,
      stop,
      async next(n) {
        while (events.length < n) await new Promise<void>((res) => waiters.push(res));
        return events.slice(0, n);
      },
    };
  };
  return { server, store, call, watch };
}

export const pod = (name: string, extra: Record<string, any> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(extra.metadata ?? {}) },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(extra.spec ?? {}) },
});

/** The static tokens the auth tests share: alice (group devs) and bob. */
export const TEST_TOKENS = 'alice-token,alice,uid-alice,"devs"\nbob-token,bob,uid-bob\n';

export interface AuthFixture extends Fixture {
  /** Sends a request with `token` as its bearer and no client certificate. */
  as(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string | string[]>): Promise<Reply>;
}

/** A server with authentication on: TEST_TOKENS as its token file, plus `auth` (e.g. serviceAccountKey). */
export async function startAuthFixture(t: ExecutionContext, auth: ApiServerDepsOptions['auth'] = {}, extra: FixtureOptions = {}): Promise<AuthFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-auth-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, 'tokens.csv');
  await writeFile(tokenFile, TEST_TOKENS);
  const f = await startFixture(t, { ...extra, auth: { tokenFile, ...auth } });
  const as: AuthFixture['as'] = (token, method, path, body, headers = {}) =>
    f.call(method, path, body, { Authorization: `Bearer ${token}`, ...headers } as Record<string, string>, { cert: false });
  return { ...f, as };
}

/** Retries `fn` until `done` holds: RBAC and the token caches read live mirrors of the store, which follow a write by its watch event. */
export async function until(fn: () => Promise<Reply>, done: (r: Reply) => boolean): Promise<Reply> {
  for (;;) {
    const r = await fn();
    if (done(r)) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
}
