// Big YAML bodies are parsed on a worker thread: same answers as the inline parser, the event
// loop keeps running meanwhile, and a parse past its deadline fails without taking the next
// job down with it.
import test from 'ava';
import { decodeYaml } from '../../../src/api/strict-decode.js';
import { decodeYamlAsync, parseYamlAsync, stopYamlWorker, workerFile } from '../../../src/api/yaml-offload.js';

test.after.always(() => stopYamlWorker());

const bigDoc = (lines: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n${Array.from({ length: lines }, (_, i) => `  k${i}: "v${i}"`).join('\n')}\n__proto__: {polluted: yes}\n`;

test('the worker decodes as decodeYaml does: values, own __proto__ keys and go-yaml duplicate complaints', async (t) => {
  const text = `${bigDoc(2_000)}data2: {a: 1, a: 2}\n`;
  const inline = decodeYaml(text);
  const off = await decodeYamlAsync(text);
  t.deepEqual(off, inline);
  t.true(Object.hasOwn(off.value as object, '__proto__'));
  t.is(({} as { polluted?: unknown }).polluted, undefined);
  t.deepEqual(off.duplicates, ['line 2006: key "a" already set in map']);
  await t.throwsAsync(parseYamlAsync(`${bigDoc(2_000)}a: 1\na: 2\n`), { message: /Map keys must be unique/ });
  await t.throwsAsync(decodeYamlAsync(`${bigDoc(2_000)}bad: [\n`), { message: /^yaml: / });
});

test('the event loop runs while the worker parses', async (t) => {
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 1);
  try {
    await decodeYamlAsync(`a: [${Array.from({ length: 200_000 }, () => '1').join(',')}]\n`);
  } finally {
    clearInterval(timer);
  }
  t.true(ticks > 0, 'timers fired during the parse');
});

test('a parse past its deadline fails and the next job gets a fresh worker', async (t) => {
  const slow = `a: [${Array.from({ length: 300_000 }, () => '1').join(',')}]\n`;
  await t.throwsAsync(decodeYamlAsync(slow, { deadlineMs: 1 }), { message: 'the document took longer than 0.001s to parse' });
  const next = await decodeYamlAsync(bigDoc(1_000));
  t.is((next.value as { metadata: { name: string } }).metadata.name, 'big');
});

test('the worker entry is found from where the offloading module runs: sources, bundle entry, or a bundle chunk', (t) => {
  t.is(workerFile('file:///repo/src/api/yaml-offload.ts').href, 'file:///repo/src/api/yaml-worker.ts');
  t.is(workerFile('file:///opt/skiff/dist/cli/skiff.js').href, 'file:///opt/skiff/dist/cli/yaml-worker.js');
  t.is(workerFile('file:///opt/skiff/dist/cli/chunks/server-ABC123.js').href, 'file:///opt/skiff/dist/cli/yaml-worker.js');
});
