import { eventually } from '../helpers/names.js';
import { runPod, startContainer, type RegisterCases } from './suite.js';
import type { CriFixture } from './fixtures.js';

// cri-tools validate/networking.go: the pod IP answers from the node, and a hostPort
// mapping reaches the container. The client is node's fetch run in the node netns
// (Debian's static busybox wget segfaults outside a container).
async function httpGet(fx: CriFixture, url: string): Promise<string> {
  const code = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).then((b) => process.stdout.write(b), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`;
  return eventually(async () => {
    const r = await fx.inNode([process.execPath, '-e', code], 10_000);
    if (r.code !== 0) throw new Error(`GET ${url}: ${r.code} ${r.stderr}`);
    return r.stdout;
  }, 30_000);
}

/** The bridge's address: the subnet's first host, as host-local's default gateway. */
const gateway = (subnet: string) => subnet.replace(/\.0\/\d+$/, '.1');

export const networkCases: RegisterCases = (test, fx) => {
  test('the pod IP is reachable from the node: HTTP to the httpd image on 8080', async (t) => {
    const pod = await runPod(t, fx());
    await startContainer(t, fx(), pod, { image: { image: fx().images.httpd } });
    const { status } = await fx().cri.runtime.podSandboxStatus({ podSandboxId: pod.id });
    t.is(await httpGet(fx(), `http://${status!.network!.ip}:8080/index.html`), 'hello from skiff\n');
  });

  test('a hostPort mapping forwards the node port to the container port', async (t) => {
    const hostPort = 20_000 + Math.floor(Math.random() * 20_000);
    const pod = await runPod(t, fx(), { portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort }] });
    await startContainer(t, fx(), pod, { image: { image: fx().images.httpd } });
    t.is(await httpGet(fx(), `http://${gateway(fx().podSubnet)}:${hostPort}/index.html`), 'hello from skiff\n');
  });
};
