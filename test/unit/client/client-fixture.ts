// A Client against the in-process apiserver of test/unit/apiserver/fixture.ts, as admin (its
// client certificate) unless the test gives another ClientConfig. The server patches with the
// real patch module (strategic merge, JSON patch, server-side apply with field ownership), not
// the stand-in, since the client's patch types are what is under test.
import { applyPatch, serverSideApply, updateManagedFields } from '../../../src/apiserver/patch/index.js';
import type { ExecutionContext } from 'ava';
import { Client } from '../../../src/client/client.js';
import type { ClientConfig } from '../../../src/client/kubeconfig.js';
import { FakeClock } from '../../../src/host/clock.js';
import { FakeFiles } from '../../../src/host/files/fake.js';
import { startFixture, testPki, type Fixture, type FixtureOptions } from '../apiserver/fixture.js';

export const POD = { group: '', version: 'v1', plural: 'pods' } as const;

export interface ClientFixture extends Fixture {
  client: Client;
  /** A further client with config's credentials (and the fixture's CA and server). */
  clientWith(config: Partial<ClientConfig>, files?: FakeFiles): Client;
}

export async function startClientFixture(t: ExecutionContext, opts: FixtureOptions = {}): Promise<ClientFixture> {
  const f = await startFixture(t, { ...opts, hooks: { applyPatch, serverSideApply, updateManagedFields, ...opts.hooks } });
  const pki = testPki();
  const clients: Client[] = [];
  t.teardown(() => { for (const c of clients) c.close(); });
  const clientWith = (config: Partial<ClientConfig>, files = new FakeFiles()): Client => {
    const c = new Client({ config: { server: f.server.url, ca: pki.ca.cert, ...config }, clock: new FakeClock(), files });
    clients.push(c);
    return c;
  };
  const client = clientWith({ cert: pki.admin.cert, key: pki.admin.key });
  return { ...f, client, clientWith };
}

export const podObject = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});
