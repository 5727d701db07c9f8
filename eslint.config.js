import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.dependency-cruiser.cjs', 'dist/', 'node_modules/', 'examples/**/*.js', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // Only the CLI talks to the terminal and the process.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'only src/cli/ may exit the process' },
        { object: 'process', property: 'stdout', message: 'only src/cli/ may write to stdout' },
        { object: 'process', property: 'stderr', message: 'only src/cli/ may write to stderr' },
      ],
    },
  },
  {
    // Functions a reader takes in at once (issue 16).
    files: ['src/**/*.ts'],
    ignores: ['src/inputs/*.generated.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  {
    // One process runner: every child leads a process group that an interruption stops whole.
    files: ['src/**/*.ts'],
    ignores: ['src/core/exec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:child_process', 'child_process'].map((name) => ({
            name,
            message: 'start processes with exec or startProcess of src/core/exec.ts',
          })),
        },
      ],
    },
  },
  {
    // Node's recursive mkdir loops forever under /proc (src/core/make-directory.ts says why).
    files: ['src/**/*.ts'],
    ignores: ['src/core/make-directory.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['callee.name', 'callee.property.name'].map((callee) => ({
          selector: `CallExpression[${callee}=/^mkdir(Sync)?$/] > ObjectExpression > Property[key.name='recursive']`,
          message: 'make directories with makeDirectory of src/core/make-directory.ts',
        })),
      ],
    },
  },
  {
    // bin/ is CommonJS (bin/package.json), so Node starts it without the ES module loader.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
