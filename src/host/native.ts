import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Binding } from '../../native/binding.js';

// The only importer of the compiled addon. Looked for, in order: $SKIFF_ADDON; beside the
// running executable (a plugin copied to /opt/cni/bin with skiff.node next to it); the
// build tree, two levels above the running script (dist/<x>/skiff.js) or above this module
// (src/host/ under tsx; bundled chunks live one level deeper, hence the script's path).
let binding: Binding | undefined;

function candidates(): string[] {
  const list = [process.env.SKIFF_ADDON, process.argv[1] && join(dirname(process.argv[1]), 'skiff.node')];
  if (process.argv[1]) list.push(join(dirname(process.argv[1]), '..', '..', 'build', 'Release', 'skiff.node'));
  list.push(new URL('../../build/Release/skiff.node', import.meta.url).pathname);
  return list.filter((p): p is string => Boolean(p));
}

/** The addon, loaded on first use. Throws with a hint when it has not been built. */
export function native(): Binding {
  if (binding) return binding;
  const paths = candidates();
  const path = paths.find((p) => existsSync(p)) ?? paths[paths.length - 1]!;
  try {
    binding = createRequire(import.meta.url)(path) as Binding;
  } catch (err) {
    throw new Error(`skiff native addon not loadable (looked in ${paths.join(', ')}; run \`npm run build\`): ${(err as Error).message}`);
  }
  return binding;
}
