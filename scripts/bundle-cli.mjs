// Bundles the compiled CLI (dist/) into dist/bundle/, the code bin/taskcluster-installer.js runs.
// Why a bundle: Node 20's ESM loader resolves, reads and compiles each of our ~80 modules and
// the yaml package's ~70 files one by one on every start; a bundle is a few files.
// Why CommonJS: Node 20 can keep a V8 code cache only for scripts it compiles through
// vm.Script, not for ES modules; start.js runs main.js that way (src/cli/code-cache.ts), which
// saves compiling the bundle on each start (see bench/README.md, start-up). It also spares the
// ESM loader. Lazy `import()`s become lazy `require()`s (a vm.Script cannot `import()` without
// an experimental flag), so log-update, the one dependency that exists only as an ES module,
// is bundled; the other libraries stay external and load when a step first needs them (gRPC and
// protobufjs only when a BuildKit build opens its session, so a no-op build never reads them). json-e
// must stay external: its error classes are also loaded by path
// (src/deploy/render/json-e-errors.ts) and must be the same instances. tar-stream and pako are
// bundled: every tool-written image loads them, a one-line rebuild on its critical path, and
// inside the bundle the code cache spares compiling them (about 12 ms of a 340 ms rebuild,
// bench/README.md); the deflate workers still load pako from node_modules by its path.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

// Old outputs must not linger: a stale chunk would be shipped.
await rm('dist/bundle', { recursive: true, force: true });
await mkdir('dist/bundle', { recursive: true });
// The files in dist/bundle are CommonJS although the package is "type": "module".
await writeFile('dist/bundle/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');

await build({
  entryPoints: {
    start: 'dist/cli/start.js',
    main: 'dist/cli/main.js',
    'render-worker': 'dist/deploy/render/render-worker.js',
  },
  outdir: 'dist/bundle',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  supported: { 'dynamic-import': false },
  external: [
    'dockerode',
    'json-e',
    'kubernetes-models',
    'tar-fs',
    '@balena/dockerignore',
    'ajv',
    '@grpc/grpc-js',
    'protobufjs',
  ],
  // import.meta.url is the file's own URL, as in the ES modules it was compiled from.
  define: { 'import.meta.url': '__tciImportMetaUrl' },
  banner: { js: "var __tciImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // isolated-render.ts uses import.meta.resolve only when run from TypeScript sources (tsx).
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
});
