import { cpus, loadavg } from 'node:os';
import { appImageBenchmarks } from './app-images.bench.js';
import { baselineBenchmarks } from './baseline.bench.js';
import { buildBenchmarks } from './build.bench.js';
import { buildkitBenchmarks } from './buildkit.bench.js';
import { deployFigures } from './deploy.bench.js';
import { engineBenchmarks } from './engines.bench.js';
import { formatTable, type Figure } from './figure.js';
import { nodeAppBenchmarks } from './node-app.bench.js';
import { renderFigures } from './render-figures.js';
import { startupFigures } from './startup.bench.js';

/**
 * `npm run bench`: every figure in one table. Run counts can be lowered for a quick look with
 * BENCH_RUNS (no-op and start-up figures, default 7), BENCH_SLOW_RUNS (cold builds and the
 * baseline, default 3) and BENCH_RENDER_RUNS (default 5); BENCH_ONLY=render, startup, build,
 * engines, buildkit, apps, node-app or deploy runs one part. BENCH_BASELINE=<dir> adds the no-op build of this checkout
 * against the CLI of another built checkout (e.g. a worktree of the commit before a change),
 * interleaved; BENCH_ONLY=baseline runs only that. Render runs first: the build parts delete thousands of files
 * when they end, which slows creating files for a while on some file systems (see
 * bench/README.md).
 */
const runs = Number(process.env['BENCH_RUNS'] ?? 7);
const slowRuns = Number(process.env['BENCH_SLOW_RUNS'] ?? 3);
const only = process.env['BENCH_ONLY'];
const started = Date.now();
const log = (message: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const loadBefore = load();
const figures: Figure[] = [];
if (only === undefined || only === 'render') {
  // A broken render benchmark must not cost the other figures.
  const render = await renderFigures(log).catch((e: unknown) => {
    log(`render benchmark failed, no render figures: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  });
  if (render === undefined) log('bench/render.bench.ts is not there: no render figures');
  else figures.push(...render);
}
if (only === undefined || only === 'startup') figures.push(...(await startupFigures(runs * 2, log)));
if (only === undefined || only === 'deploy') figures.push(...(await deployFigures(log)));
if (only === undefined || only === 'build') figures.push(...(await buildBenchmarks({ runs, slowRuns, log })));
if (only === undefined || only === 'engines') figures.push(...(await engineBenchmarks({ slowRuns, log })));
if (only === undefined || only === 'buildkit')
  figures.push(...(await buildkitBenchmarks({ runs, slowRuns, log })));
const baselineDir = process.env['BENCH_BASELINE'];
if (baselineDir !== undefined && (only === undefined || only === 'baseline'))
  figures.push(...(await baselineBenchmarks({ baselineDir, runs, log })));
if (only === undefined || only === 'apps')
  figures.push(...(await appImageBenchmarks({ runs, slowRuns, log })));
if (only === undefined || only === 'node-app')
  figures.push(...(await nodeAppBenchmarks({ runs, slowRuns, log })));

process.stdout.write(
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs, Node ${process.version}; ` +
    `load average before ${loadBefore}, after ${load()}\n\n`,
);
process.stdout.write(formatTable(figures) + '\n');
for (const f of figures) {
  if (f.samples !== undefined || f.note !== undefined) {
    const samples = f.samples ? `samples (ms): ${f.samples.map((s) => s.toFixed(0)).join(', ')}` : '';
    process.stdout.write(`- ${f.name}: ${[samples, f.note].filter(Boolean).join('; ')}\n`);
  }
}
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
