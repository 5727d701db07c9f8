import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeImages } from '../test/helpers/remove-images.js';
import { ensureBusyboxImage } from '../test/helpers/base-images.js';
import { startRegistry } from '../test/helpers/registry.js';
import { cliPath } from '../test/helpers/run-cli.js';
import { atMost, type Figure } from './figure.js';
import { makeServiceRepos } from './make-service-repos.js';
import { expectActions, runBuildCli, type BuildCliRun } from './run-build-cli.js';
import { median } from './time-command.js';
import { writeBenchSpec, writeBuildConfig } from './write-bench-spec.js';

export interface BaselineBenchOptions {
  /** A checkout of another commit, built (`npm ci` builds it): its CLI is the baseline. */
  baselineDir: string;
  /** Timed runs of each CLI (after one warm-up each). */
  runs: number;
  log(message: string): void;
}

/**
 * The no-op `build --push` of 10 services by this checkout's CLI and by a baseline checkout's
 * (`BENCH_BASELINE=<dir>`, e.g. a worktree of the commit before a refactor), on the same spec,
 * base dir and registry, runs interleaved so that both see the same load: the figures a change
 * must not make worse, measured in one run. Each CLI keeps its own V8 code cache, written alike
 * by its first no-op.
 */
export async function baselineBenchmarks(opts: BaselineBenchOptions): Promise<Figure[]> {
  const baselineCli = join(resolve(opts.baselineDir), 'bin', 'taskcluster-installer.js');
  if (!existsSync(join(resolve(opts.baselineDir), 'dist', 'bundle', 'main.js')))
    throw new Error(`${opts.baselineDir}: not a built checkout (run npm ci there first)`);
  const tmp = mkdtempSync(join(tmpdir(), 'tci-bench-baseline-'));
  const registry = await startRegistry();
  const prefix = `${registry.host}/bench-baseline-${process.pid}/`;
  const baseImage = ensureBusyboxImage(`tci-bench-baseline-${process.pid}/busybox:latest`);
  try {
    const repos = makeServiceRepos(
      join(tmp, 'repos'),
      Array.from({ length: 10 }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`),
      baseImage,
    );
    const spec = writeBenchSpec(
      join(tmp, 'spec'),
      repos,
      repos.map((r) => r.head),
    );
    const config = writeBuildConfig(join(tmp, 'build-config.yml'), `${prefix}tool/`);
    // A base dir and release of each CLI's own: a newer version may key the same service
    // differently (BuildKit's builder is in today's key), so each no-ops on what it built itself.
    const build = (cli: string, cache: string, who: 'now' | 'baseline') =>
      runBuildCli({
        spec,
        release: join(tmp, `release-${who}.json`),
        baseDir: join(tmp, `base-${who}`),
        buildConfig: config,
        cwd: tmp,
        extra: ['--push'],
        env: { XDG_CACHE_HOME: join(tmp, cache) },
        cli,
      });
    opts.log('baseline: first build and push of 10 services, by each CLI');
    // A cache of its own: a CLI's code cache is written by its first run, and one written by a
    // build holds more functions than a no-op needs (and costs more to load) than one written
    // by a no-op. Both CLIs' caches are written by their no-op warm-up below.
    expectActions(await build(cliPath, 'cache-first-build', 'now'), { build: 10 }, 'first build');
    const baselineFirst = await build(baselineCli, 'cache-first-build-baseline', 'baseline');
    expectActions(baselineFirst, { build: 10 }, 'first build (baseline)');
    const runs = { now: [] as BuildCliRun[], baseline: [] as BuildCliRun[] };
    for (let i = 0; i <= opts.runs; i++) {
      for (const [key, cli, cache] of [
        ['now', cliPath, 'cache'],
        ['baseline', baselineCli, 'cache-baseline'],
      ] as const) {
        const run = await build(cli, cache, key);
        expectActions(run, { skip: 10 }, `no-op 10 (${key})`);
        if (i > 0) runs[key].push(run);
      }
    }
    return figures(runs, opts);
  } finally {
    removeImages(`${prefix}*/*`);
    removeImages(baseImage);
    await registry.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function figures(runs: Record<'now' | 'baseline', BuildCliRun[]>, opts: BaselineBenchOptions): Figure[] {
  const wall = { now: median(runs.now.map((r) => r.ms)), baseline: median(runs.baseline.map((r) => r.ms)) };
  const cpu = {
    now: median(runs.now.map((r) => r.cpuMs)),
    baseline: median(runs.baseline.map((r) => r.cpuMs)),
  };
  opts.log(
    `no-op 10, this checkout / baseline (interleaved): wall ${wall.now.toFixed(0)} / ${wall.baseline.toFixed(0)} ms, CPU ${cpu.now.toFixed(0)} / ${cpu.baseline.toFixed(0)} ms`,
  );
  const note = `baseline ${opts.baselineDir}`;
  return [
    {
      name: 'no-op 10, this checkout: wall',
      value: wall.now,
      unit: 'ms',
      samples: runs.now.map((r) => r.ms),
    },
    {
      name: 'no-op 10, baseline: wall',
      value: wall.baseline,
      unit: 'ms',
      samples: runs.baseline.map((r) => r.ms),
      note,
    },
    {
      name: 'no-op 10, this checkout: CPU',
      value: cpu.now,
      unit: 'ms',
      samples: runs.now.map((r) => r.cpuMs),
    },
    {
      name: 'no-op 10, baseline: CPU',
      value: cpu.baseline,
      unit: 'ms',
      samples: runs.baseline.map((r) => r.cpuMs),
    },
    // CPU is what a change to the code moves; wall time on a shared machine moves with its load.
    { name: 'no-op 10: this checkout / baseline, wall', value: wall.now / wall.baseline, unit: 'x' },
    atMost('no-op 10: this checkout / baseline, CPU', cpu.now / cpu.baseline, 1.05),
  ];
}
