// Bundles the compiled CLI (dist/) into dist/bundle/, the code bin/taskcluster-installer.js runs.
// Why: Node 20's ESM loader resolves, reads and compiles each of our ~80 modules and the yaml
// package's ~70 files one by one on every start; a bundle makes that a handful of files, which
// is about a fifth of a no-op build's CPU time (see bench/README.md). Libraries loaded only when
// a step needs them stay external and lazy; json-e must stay external because its error classes
// are also loaded by path (src/deploy/render/json-e-errors.ts) and must be the same instances.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

// Chunk names change with their content: old ones would pile up.
await rm('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { main: 'dist/cli/main.js', 'render-worker': 'dist/deploy/render/render-worker.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [
    'dockerode',
    'json-e',
    'kubernetes-models',
    'tar-fs',
    'tar-stream',
    'pako',
    '@balena/dockerignore',
    'log-update',
    'ajv',
  ],
  // yaml and commander are CommonJS: their require() of Node built-ins needs a real require.
  banner: {
    js: "import { createRequire as __tciRequire } from 'node:module'; const require = __tciRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
