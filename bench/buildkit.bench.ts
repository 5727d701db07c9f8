import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage } from '../test/helpers/base-images.js';
import { GitRepo } from '../test/helpers/git-repo.js';
import { startRegistry } from '../test/helpers/registry.js';
import { atLeast, type Figure } from './figure.js';
import { makeServiceRepos } from './make-service-repos.js';
import { expectActions, runBuildCli, type BuildCliRun } from './run-build-cli.js';
import { median } from './time-command.js';
import { writeBenchSpec } from './write-bench-spec.js';
import {
  copyImageTo,
  dockerOn,
  FIRST_ENGINE,
  requireSecondEngine,
  SECOND_ENGINE,
} from '../test/helpers/second-engine.js';

export interface BuildkitBenchOptions {
  /** Timed runs per no-op figure. */
  runs: number;
  /** Timed runs per cold-build and fresh-engine figure. */
  slowRuns: number;
  log(message: string): void;
}

type Builder = 'buildkit' | 'legacy';

/**
 * The `docker` type on BuildKit against the legacy builder (issue 17), in one run: cold and
 * no-op builds of the same 10 services (the standard benchmark app), the two builders'
 * runs interleaved so load on the machine hits both alike; and a service changed after a
 * build elsewhere, built on the second engine, which holds none of its layers, with and without
 * the pushed image's inline cache from the registry.
 */
export async function buildkitBenchmarks(opts: BuildkitBenchOptions): Promise<Figure[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'tci-bench-buildkit-'));
  const registry = await startRegistry();
  const prefix = `${registry.host}/tci-bench-bk-${process.pid}/`;
  // The shared busybox image under a name of the benchmark's own: the same image ID as other
  // tags (tests' base images), so it is only ever untagged, never removed by ID.
  const baseImage = ensureBusyboxImage(`tci-bench-bk-${process.pid}/busybox:latest`);
  const built = new BuiltImages(prefix);
  try {
    const figures = await builderFigures(opts, tmp, prefix, baseImage, built);
    return [...figures, ...(await freshEngineFigures(opts, tmp, prefix, baseImage, built))];
  } finally {
    built.remove(baseImage, opts.log);
    await registry.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Cold (`--no-cache`) and no-op builds of 10 services, per builder, interleaved. */
async function builderFigures(
  opts: BuildkitBenchOptions,
  tmp: string,
  prefix: string,
  baseImage: string,
  built: BuiltImages,
): Promise<Figure[]> {
  const names = Array.from({ length: 10 }, (_, i) => `bk-${String(i + 1).padStart(2, '0')}`);
  const repos = makeServiceRepos(join(tmp, 'repos'), names, baseImage);
  const spec = writeBenchSpec(
    join(tmp, 'spec'),
    repos,
    repos.map((r) => r.head),
  );
  const build = (builder: Builder, extra: string[]) => {
    const config = join(tmp, `${builder}.yml`);
    writeFileSync(config, `docker:\n  repositoryPrefix: ${prefix}${builder}/\n  builder: ${builder}\n`);
    return runBuildCli({
      spec,
      release: join(tmp, `${builder}.json`),
      baseDir: join(tmp, `base-${builder}`),
      buildConfig: config,
      cwd: tmp,
      extra,
      env: { XDG_CACHE_HOME: join(tmp, 'cache') },
    });
  };
  const interleaved = async (
    what: string,
    runs: number,
    extra: string[],
    expected: Record<string, number>,
  ) => {
    const samples: Record<Builder, BuildCliRun[]> = { buildkit: [], legacy: [] };
    // One untimed round first: it builds (or warms) what the timed rounds measure.
    for (let i = 0; i <= runs; i++) {
      for (const builder of ['buildkit', 'legacy'] as const) {
        const run = await build(builder, extra);
        built.collect(FIRST_ENGINE);
        expectActions(run, expected, `${what}, ${builder}`);
        if (i > 0) samples[builder].push(run);
      }
    }
    const ms = (b: Builder) => samples[b].map((r) => r.ms);
    opts.log(
      `${what}: BuildKit ${median(ms('buildkit')).toFixed(0)} ms (${ms('buildkit')
        .map((s) => s.toFixed(0))
        .join(', ')}), legacy ${median(ms('legacy')).toFixed(0)} ms (${ms('legacy')
        .map((s) => s.toFixed(0))
        .join(', ')})`,
    );
    return samples;
  };
  opts.log('cold builds of 10 docker services (--no-cache), BuildKit and legacy interleaved');
  const cold = await interleaved('cold 10', opts.slowRuns, ['--no-cache'], { build: 10 });
  opts.log('no-op builds of the same 10 services');
  const noop = await interleaved('no-op 10', opts.runs, [], { skip: 10 });
  const figure = (name: string, s: Record<Builder, BuildCliRun[]>, note: string): Figure[] => {
    const bk = median(s.buildkit.map((r) => r.ms));
    const legacy = median(s.legacy.map((r) => r.ms));
    return [
      { name: `${name}, BuildKit`, value: bk, unit: 'ms', samples: s.buildkit.map((r) => r.ms), note },
      { name: `${name}, legacy builder`, value: legacy, unit: 'ms', samples: s.legacy.map((r) => r.ms) },
      { ...atLeast(`${name}: legacy / BuildKit`, legacy / bk, 'x', 1), note: 'target: BuildKit no slower' },
    ];
  };
  return [
    ...figure('cold build 10 docker services (--no-cache)', cold, 'runs of the two builders interleaved'),
    ...figure(
      'no-op build 10 docker services',
      noop,
      'no image work: what the builder costs when nothing is built',
    ),
  ];
}

/**
 * A service changed after it was built and pushed from the first engine, built on the second
 * engine, whose BuildKit has never run its steps (each sample's slow step is new to every
 * engine): with the previous release at the output path (its image, pinned by digest, is the
 * cache source) and without (a new output path). The slow step stands for a dependency
 * install: 3 s and a 30 MB layer.
 */
async function freshEngineFigures(
  opts: BuildkitBenchOptions,
  tmp: string,
  prefix: string,
  baseImage: string,
  built: BuiltImages,
): Promise<Figure[]> {
  try {
    requireSecondEngine();
  } catch (e) {
    opts.log(`${(e as Error).message}: no fresh-engine figures`);
    return [];
  }
  copyImageTo(baseImage);
  const samples = { cache: [] as number[], none: [] as number[] };
  for (let i = 0; i < opts.slowRuns * 2; i++) {
    const withCache = i % 2 === 0;
    const dir = join(tmp, `fresh-${i}`);
    mkdirSync(dir);
    const repo = GitRepo.create(join(dir, 'repo'), {
      Dockerfile: [
        `FROM ${baseImage}`,
        `RUN sleep 3 && head -c 30000000 /dev/urandom > /deps && echo ${process.pid}-${i}-${Date.now()} > /deps.id`,
        'COPY app.txt /app/app.txt',
        'RUN wc -c /app/app.txt > /app/size',
        '',
      ].join('\n'),
      'app.txt': 'version 1\n',
    });
    mkdirSync(join(dir, 'spec'));
    writeFileSync(
      join(dir, 'spec', 'build.yml'),
      `repositories:\n  - name: fresh\n    kind: service\n    source: ${repo.path}#main\n    service: {buildType: docker}\n`,
    );
    writeFileSync(join(dir, 'spec', 'deploy.yml'), 'resources: []\n');
    writeFileSync(join(dir, 'build-config.yml'), `docker:\n  repositoryPrefix: ${prefix}fresh/\n`);
    const build = (engine: string, release: string) =>
      runBuildCli({
        spec: join(dir, 'spec'),
        release: join(dir, release),
        baseDir: join(dir, `base-${release}`),
        buildConfig: join(dir, 'build-config.yml'),
        cwd: dir,
        extra: ['--push', '--engine', engine],
      });
    expectActions(await build(FIRST_ENGINE, 'release.json'), { build: 1 }, 'fresh engine: first build');
    built.collect(FIRST_ENGINE);
    repo.commit({ 'app.txt': 'version 2\n' });
    const run = await build(SECOND_ENGINE, withCache ? 'release.json' : 'other-release.json');
    built.collect(SECOND_ENGINE);
    expectActions(run, { build: 1 }, `fresh engine, ${withCache ? 'with' : 'without'} cache`);
    samples[withCache ? 'cache' : 'none'].push(run.ms);
  }
  const cache = median(samples.cache);
  const none = median(samples.none);
  opts.log(
    `changed service on a fresh engine: with the registry cache ${cache.toFixed(0)} ms (${samples.cache.map((s) => s.toFixed(0)).join(', ')}), without ${none.toFixed(0)} ms (${samples.none.map((s) => s.toFixed(0)).join(', ')})`,
  );
  return [
    {
      name: 'changed service on a fresh engine, registry cache',
      value: cache,
      unit: 'ms',
      samples: samples.cache,
      note: 'the previous release’s image (BuildKit inline cache) as cache source: its 3 s, 30 MB step is imported from the registry',
    },
    {
      name: 'changed service on a fresh engine, no cache',
      value: none,
      unit: 'ms',
      samples: samples.none,
      note: 'no previous release at the output path: every step runs',
    },
    { name: 'changed service on a fresh engine: no cache / cache', value: none / cache, unit: 'x' },
  ];
}

/**
 * The images the benchmark built, by ID per engine, collected after every build: a rebuild
 * leaves the image it replaced untagged, which only its ID can remove.
 */
class BuiltImages {
  private readonly ids = new Map<string, Set<string>>();

  constructor(private readonly prefix: string) {}

  collect(host: string): void {
    const out = dockerOn(host, ['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}']);
    const ids = this.ids.get(host) ?? new Set<string>();
    for (const line of out.split('\n')) {
      const [id, repository] = line.split(' ');
      if (id !== undefined && repository?.startsWith(this.prefix)) ids.add(id);
    }
    this.ids.set(host, ids);
  }

  /** Removes what was built, then the base image's name (the image itself stays for its other names). */
  remove(baseImage: string, log: (message: string) => void): void {
    for (const host of [FIRST_ENGINE, SECOND_ENGINE]) {
      const ids = [...(this.ids.get(host) ?? [])];
      for (const args of [...(ids.length > 0 ? [['rmi', '-f', ...ids]] : []), ['rmi', baseImage]]) {
        try {
          dockerOn(host, args);
        } catch (e) {
          log(`clean-up on ${host} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        }
      }
    }
  }
}
