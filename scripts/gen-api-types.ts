// Writes src/api/types.generated.ts from the kubernetes-models schemas (`npm run gen:types`).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { models } from '../src/api/openapi/models.js';
import { renderApiTypes } from '../src/api/openapi/render-types.js';

const out = fileURLToPath(new URL('../src/api/types.generated.ts', import.meta.url));
writeFileSync(out, renderApiTypes(models().definitions));
console.log(`wrote ${out}`);
