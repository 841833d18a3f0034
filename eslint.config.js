// Lint: the rules that keep skiff's shapes (see /work/shared/design/STYLE.md) from eroding.
// Type-aware; part of `npm test` and therefore CI.
import tseslint from 'typescript-eslint';
import noOutsideKeyIndex from './scripts/eslint/no-outside-key-index.mjs';

// Machine-written code: protobuf and CRI stubs, generated API types.
const GENERATED = ['src/cri/gen/**', 'src/apiserver/protobuf/proto/**', 'src/api/types.generated.ts'];

// The only places that touch the disk or start processes: the host seams and named stores.
const IO_ALLOWED = [
  'src/host/**',
  'src/store/**',
  'src/cri/state/store.ts',
  'src/cri/images/content.ts',
  'src/cri/images/snapshots.ts',
  'src/cri/images/store.ts',
  'src/cni/invoker/cache.ts',
  'cni-plugins/host-local/store.ts', // host-local's on-disk reservations, the reference plugin's format
  '**/gen.ts', // code generators run at build time
];

const IO_MODULES = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process'];

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', ...GENERATED] },
  {
    files: ['src/**/*.ts', 'cni-plugins/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, skiff: { rules: { 'no-outside-key-index': noOutsideKeyIndex } } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-prototype-builtins': 'error',
      'guard-for-in': 'error',
      'skiff/no-outside-key-index': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "BinaryExpression[operator='in'][left.type!='Literal']",
          message: '`key in obj` with a key from outside also finds inherited members: use Object.hasOwn or a Map.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Read the time from an injected Clock (src/host/clock.ts).',
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Read the time from an injected Clock (src/host/clock.ts).' },
      ],
      'no-restricted-imports': ['error', { paths: IO_MODULES.map((name) => ({ name, message: 'Disk and processes go through src/host seams or a named store.' })) }],
    },
  },
  { files: IO_ALLOWED, rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/host/clock.ts'], rules: { 'no-restricted-properties': 'off', 'no-restricted-syntax': 'off' } },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.map((name) => ({ name, message: 'Disk and processes go through src/host seams or a named store.' })),
          patterns: [{ group: ['**/apiserver/**', '../apiserver', '../../apiserver'], message: 'src/api is the API model: it never depends on the server.' }],
        },
      ],
    },
  },
);
