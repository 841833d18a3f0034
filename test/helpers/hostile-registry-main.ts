// A hostile registry as a process of its own, for runtimes that must reach it inside a
// netns no JavaScript of the test enters: `nsenter --net=N node --import tsx
// hostile-registry-main.ts <scenario>`. Prints one JSON line {"host"} when listening, then
// one per request ({"method","path","inFlight"}) and per client hang-up ({"hungUp"}).
// Runs until killed.
import { OCI_INDEX, OCI_MANIFEST, PLATFORM, putTarImage, serveHostileRegistry } from './hostile-registry.js';

const scenario = process.argv[2];
const { reg } = await serveHostileRegistry({ events: (line) => process.stdout.write(`${line}\n`) });
switch (scenario) {
  case 'big-manifest':
    // Declares 256 MiB and would send them: the client must refuse it from the header.
    reg.route = (req, res, path) => {
      if (path !== '/v2/e/big/manifests/v1') return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': String(256 * 1024 * 1024) });
      if (req.method === 'HEAD') return res.end(), true;
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return true;
    };
    break;
  case 'bad-index': {
    const good = putTarImage(reg, 'v1', ['good']);
    for (const [tag, digest] of [['tag', 'v1'], ['traversal', '../../../e/other/manifests/v1']] as const) {
      reg.put({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...good, digest, platform: PLATFORM }] }, OCI_INDEX, tag);
    }
    break;
  }
  case 'many-layers':
    putTarImage(reg, 'v1', Array.from({ length: 30 }, (_, i) => `file${i}`));
    reg.blobDelayMs = 20;
    break;
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
process.stdout.write(`${JSON.stringify({ host: reg.host })}\n`);
