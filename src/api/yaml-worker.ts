// Worker thread entry (see yaml-offload.ts): parses YAML request bodies off the apiserver's
// event loop, after the caller's linear checks (strict-decode.ts yamlPrecheck). One job at a time; the answer is structured-cloned back (own `__proto__` keys
// survive, as they do through JSON.parse).
import { parentPort } from 'node:worker_threads';
import { parse as parseYaml } from 'yaml';
import { decodeYamlDocument } from './strict-decode.js';

export interface YamlJob { id: number; text: string; mode: 'decode' | 'parse' }
export type YamlAnswer = { id: number; ok: true; value: unknown; duplicates: string[] } | { id: number; ok: false; message: string };

parentPort?.on('message', (job: YamlJob) => {
  let answer: YamlAnswer;
  try {
    answer = job.mode === 'decode'
      ? { id: job.id, ok: true, ...decodeYamlDocument(job.text) }
      : { id: job.id, ok: true, value: parseYaml(job.text, { maxAliasCount: 100 }), duplicates: [] };
  } catch (err) {
    answer = { id: job.id, ok: false, message: (err as Error).message };
  }
  parentPort!.postMessage(answer);
});
