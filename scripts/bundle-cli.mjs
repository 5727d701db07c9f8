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

// dockerode is bundled, so the code cache covers it, but two of its modules stay outside and
// load on first use: docker-modem's ssh transport (ssh2, 77 ms to load; the tool dials ssh
// engines itself and never gives docker-modem the `ssh` protocol) and dockerode's session
// helper (gRPC and its proto loader, 83 ms; the tool opens BuildKit sessions itself). Loaded with
// dockerode they cost a cold build 160 ms before its first container.
const lazyDockerodeParts = {
  name: 'lazy-dockerode-parts',
  setup(b) {
    // The relative name each is required by, and the folder of the module requiring it.
    const lazy = {
      './ssh': { path: 'docker-modem/lib/ssh.js', from: /docker-modem[\\/]lib$/ },
      './session': { path: 'dockerode/lib/session.js', from: /dockerode[\\/]lib$/ },
    };
    b.onResolve({ filter: /^\.\/(ssh|session)$/ }, (args) => {
      const { path, from } = lazy[args.path];
      return from.test(args.resolveDir) ? { path, namespace: 'lazy' } : undefined;
    });
    // Both modules export one function: the stand-in requires the real one when first called.
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
      loader: 'js',
    }));
    b.onResolve({ filter: /.*/, namespace: 'lazy' }, (args) => ({ path: args.path, external: true }));
  },
};

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
  external: ['json-e', 'kubernetes-models', '@balena/dockerignore', 'ajv', '@grpc/grpc-js', 'protobufjs'],
  // import.meta.url is the file's own URL, as in the ES modules it was compiled from.
  define: { 'import.meta.url': '__tciImportMetaUrl' },
  banner: { js: "var __tciImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // isolated-render.ts uses import.meta.resolve only when run from TypeScript sources (tsx).
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
  plugins: [lazyDockerodeParts],
});
