import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage } from '../test/helpers/base-images.js';
import { startRegistry } from '../test/helpers/registry.js';
import { atLeast, below, type Figure } from './figure.js';
import { commitChange, makeServiceRepos } from './make-service-repos.js';
import { NaiveLoop } from './naive-loop.js';
import { expectActions, runBuildCli, type BuildCliRun } from './run-build-cli.js';
import { median, medianOf } from './time-command.js';
import { writeBenchSpec, writeBuildConfig } from './write-bench-spec.js';

/** Where the figures printed beside the new ones come from (bench/README.md, Latest numbers). */
const EARLIER = 'was, on a quiet machine 2026-11-28';

export interface BuildBenchOptions {
  /** Timed runs per no-op figure (after one warm-up). */
  runs: number;
  /** Timed runs per cold-build figure and per baseline figure. */
  slowRuns: number;
  log(message: string): void;
}

/**
 * The build figures of issue 6, on inputs made here: 50 `docker` services in local bare git
 * repositories, a real registry on loopback, the real Docker Engine and the compiled CLI.
 */
export async function buildBenchmarks(opts: BuildBenchOptions): Promise<Figure[]> {
  const { log } = opts;
  const tmp = mkdtempSync(join(tmpdir(), 'tci-bench-'));
  const registry = await startRegistry();
  const prefix = `${registry.host}/bench-${process.pid}/`;
  const baseImage = ensureBusyboxImage(`tci-bench-${process.pid}/busybox:latest`);
  const images = new Set<string>();
  const collectImages = () => {
    const out = execFileSync('docker', ['images', '-q', '--no-trunc', '--filter', `reference=${prefix}*/*`], {
      encoding: 'utf8',
    });
    for (const id of out.split('\n')) if (id !== '') images.add(id);
  };
  try {
    log('making 50 service repositories');
    const names = Array.from({ length: 50 }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
    const repos = makeServiceRepos(join(tmp, 'repos'), names, baseImage);
    const ten = repos.slice(0, 10);
    const config = writeBuildConfig(join(tmp, 'build-config.yml'), `${prefix}tool/`);
    const spec = (name: string, rs: typeof repos, refs = rs.map((r) => r.head)) =>
      writeBenchSpec(join(tmp, name), rs, refs);
    const baseDir = join(tmp, 'base');
    // The CLI's V8 code cache in a folder of the benchmark's own, so that other programs on the
    // machine cannot replace it between runs (the first run of each command writes it).
    const withCache = { XDG_CACHE_HOME: join(tmp, 'cache') };
    const withoutCache = { ...withCache, TASKCLUSTER_INSTALLER_CODE_CACHE: 'off' };
    const build = (
      specDir: string,
      extra: string[] = [],
      dir = baseDir,
      env: NodeJS.ProcessEnv = withCache,
    ) =>
      runBuildCli({
        spec: specDir,
        release: join(tmp, 'release.json'),
        baseDir: dir,
        buildConfig: config,
        cwd: tmp,
        extra,
        env,
      });
    const timed = async (what: string, specDir: string, expected: Record<string, number>) => {
      const cpu: number[] = [];
      const r = await medianOf(opts.runs, async () => {
        const run = await build(specDir, ['--push']);
        expectActions(run, expected, what);
        cpu.push(run.cpuMs);
        return run.ms;
      });
      const cpuMs = median(cpu.slice(1));
      log(
        `${what}: median ${r.median.toFixed(0)} ms of ${r.samples.map((s) => s.toFixed(0)).join(', ')}; CPU ${cpuMs.toFixed(0)} ms`,
      );
      return { ...r, cpuMs };
    };

    const spec10 = spec('spec-10', ten);
    const spec50 = spec('spec-50', repos);
    log('first build and push of 50 services');
    const first = await build(spec50, ['--push']);
    expectActions(first, { build: 50 }, 'first build');
    log(`first build: ${(first.ms / 1000).toFixed(1)} s`);
    collectImages();

    const noop10 = await timed('no-op 10', spec10, { skip: 10 });
    // The same no-op without the code cache, runs interleaved with runs with it: what it saves.
    const pair = { on: [] as BuildCliRun[], off: [] as BuildCliRun[] };
    for (let i = 0; i <= opts.runs; i++) {
      for (const [key, env] of [
        ['on', withCache],
        ['off', withoutCache],
      ] as const) {
        const run = await build(spec10, ['--push'], baseDir, env);
        expectActions(run, { skip: 10 }, `no-op 10, code cache ${key}`);
        if (i > 0) pair[key].push(run);
      }
    }
    const cacheOn = { ms: median(pair.on.map((r) => r.ms)), cpuMs: median(pair.on.map((r) => r.cpuMs)) };
    const cacheOff = { ms: median(pair.off.map((r) => r.ms)), cpuMs: median(pair.off.map((r) => r.cpuMs)) };
    log(
      `no-op 10, code cache on / off (interleaved): wall ${cacheOn.ms.toFixed(0)} / ${cacheOff.ms.toFixed(0)} ms, CPU ${cacheOn.cpuMs.toFixed(0)} / ${cacheOff.cpuMs.toFixed(0)} ms`,
    );
    const noop50 = await timed('no-op 50', spec50, { skip: 50 });
    const branch10 = await timed(
      'branch refs 10',
      spec(
        'branch-10',
        ten,
        ten.map(() => 'main'),
      ),
      { skip: 10 },
    );
    const branch50 = await timed(
      'branch refs 50',
      spec(
        'branch-50',
        repos,
        repos.map(() => 'main'),
      ),
      {
        skip: 50,
      },
    );

    // One changed service: each timed run commits to a different repository, so each run
    // builds exactly one new image and skips 49.
    const changed: BuildCliRun[] = [];
    for (let i = 0; i <= opts.runs; i++) {
      const target = repos[i] as (typeof repos)[number];
      const sha = commitChange(target, `run ${i}`);
      const run = await build(
        spec(
          `changed-${i}`,
          repos,
          repos.map((r) => (r === target ? sha : r.head)),
        ),
        ['--push'],
      );
      expectActions(run, { build: 1, skip: 49 }, 'one changed of 50');
      // Later no-op runs pin the old commits; keep that commit as the repository's head.
      target.head = sha;
      if (i > 0) changed.push(run);
    }
    collectImages();
    const changedMs = median(changed.map((r) => r.ms));
    const rest = median(changed.map((r) => r.ms - [...r.stepMs.values()].reduce((a, b) => a + b, 0)));
    log(`one changed: median ${changedMs.toFixed(0)} ms; without its build and push ${rest.toFixed(0)} ms`);

    log('baseline: naive loop over 10 services (fetch, checkout, docker build, docker push)');
    const naive = new NaiveLoop(ten, join(tmp, 'naive'), `${prefix}naive/`);
    // Two warm-up rounds: the first builds every image; the second still misses the layer cache
    // (measured: 13 s against 4 s after), most likely because `COPY . ./` copies .git, whose
    // index the next `git checkout` rewrites once more.
    const naiveTimes = await medianOf(opts.slowRuns, () => naive.run(), 2);
    log(
      `baseline 10: median ${naiveTimes.median.toFixed(0)} ms of ${naiveTimes.samples.map((s) => s.toFixed(0)).join(', ')}`,
    );
    const naivePerService = naiveTimes.median / 10;
    collectImages();

    log('cold builds of 10 services (--no-cache): --concurrency 1, then the default');
    const cold = async (concurrency: number) => {
      const r = await medianOf(
        opts.slowRuns,
        async () => {
          const run = await build(
            spec10,
            ['--no-cache', '--concurrency', String(concurrency)],
            join(tmp, 'cold'),
          );
          expectActions(run, { build: 10 }, `cold build, concurrency ${concurrency}`);
          collectImages();
          return run.ms;
        },
        0,
      );
      log(
        `cold, concurrency ${concurrency}: median ${r.median.toFixed(0)} ms of ${r.samples.map((s) => s.toFixed(0)).join(', ')}`,
      );
      return r;
    };
    const cold1 = await cold(1);
    const coldN = await cold(availableParallelism());

    const perService = (noop50.median - noop10.median) / 40;
    return [
      {
        ...below('no-op build --push, 10 services', noop10.median, 'ms', 200),
        ratio: naiveTimes.median / noop10.median,
        samples: noop10.samples,
        note: `${EARLIER}: 177 ms`,
      },
      {
        ...atLeast('no-op 10 services: speed-up vs baseline', naiveTimes.median / noop10.median, 'x', 20),
        note: `${EARLIER}: 14.7x, against a baseline of 2,603 ms`,
      },
      {
        ...below('no-op build --push, 50 services', noop50.median, 'ms', 400),
        ratio: (naivePerService * 50) / noop50.median,
        note: `baseline for 50: the measured 10-service loop x 5; ${EARLIER}: 275 ms`,
        samples: noop50.samples,
      },
      below('cost per extra service ((t50 - t10) / 40)', perService, 'ms', 5),
      { name: 'no-op 10 services: CPU time of the process', value: noop10.cpuMs, unit: 'ms' },
      {
        name: 'no-op 10: CPU, code cache on / off',
        value: cacheOn.cpuMs,
        unit: 'ms',
        note: `without the code cache ${cacheOff.cpuMs.toFixed(0)} ms CPU; wall ${cacheOn.ms.toFixed(0)} / ${cacheOff.ms.toFixed(0)} ms (runs interleaved)`,
      },
      { name: 'no-op 50 services: CPU time of the process', value: noop50.cpuMs, unit: 'ms' },
      {
        name: 'CPU time per extra service',
        value: (noop50.cpuMs - noop10.cpuMs) / 40,
        unit: 'ms',
      },
      {
        name: 'one changed of 50: whole build',
        value: changedMs,
        unit: 'ms',
        samples: changed.map((r) => r.ms),
        note: 'only the changed service is built and pushed',
      },
      {
        ...below(
          'one changed of 50: all but its build and push',
          rest,
          'ms',
          Math.round(noop50.median * 1.25),
        ),
        note: `target: the no-op figure (${noop50.median.toFixed(0)} ms) + 25%`,
      },
      {
        name: 'branch refs, 10 services (no-op)',
        value: branch10.median,
        unit: 'ms',
        samples: branch10.samples,
      },
      {
        name: 'branch refs, 50 services (no-op)',
        value: branch50.median,
        unit: 'ms',
        samples: branch50.samples,
      },
      { name: 'branch refs: added cost, 50 services', value: branch50.median - noop50.median, unit: 'ms' },
      {
        name: 'baseline: naive loop, 10 services',
        value: naiveTimes.median,
        unit: 'ms',
        samples: naiveTimes.samples,
      },
      { name: 'cold build 10, --concurrency 1', value: cold1.median, unit: 'ms', samples: cold1.samples },
      {
        name: `cold build 10, default (--concurrency ${availableParallelism()})`,
        value: coldN.median,
        unit: 'ms',
        samples: coldN.samples,
      },
      { name: 'cold build 10: parallel speed-up', value: cold1.median / coldN.median, unit: 'x' },
    ];
  } finally {
    collectImages();
    if (images.size > 0) {
      try {
        execFileSync('docker', ['rmi', '-f', ...images], { stdio: 'ignore' });
      } catch {
        // Some were already gone with their parents.
      }
    }
    execFileSync('docker', ['rmi', '-f', baseImage], { stdio: 'ignore' });
    await registry.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
