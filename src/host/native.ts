import { createRequire } from 'node:module';
import type { Binding } from '../../native/binding.js';

// The only importer of the compiled addon. Resolved from this file's location so it works
// from src/ (tsx) and dist/ alike: both sit two levels under the package root.
let binding: Binding | undefined;

/** The addon, loaded on first use. Throws with a hint when it has not been built. */
export function native(): Binding {
  if (binding) return binding;
  const path = new URL('../../build/Release/skiff.node', import.meta.url).pathname;
  try {
    binding = createRequire(import.meta.url)(path) as Binding;
  } catch (err) {
    throw new Error(`skiff native addon not loadable at ${path} (run \`npm run build\`): ${(err as Error).message}`);
  }
  return binding;
}
