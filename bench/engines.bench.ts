import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage } from '../test/helpers/base-images.js';
import type { Figure } from './figure.js';
import { makeServiceRepos } from './make-service-repos.js';
import { expectActions, runBuildCli } from './run-build-cli.js';
import { medianOf } from './time-command.js';
import { writeBenchSpec, writeBuildConfig } from './write-bench-spec.js';

const FIRST = 'unix:///var/run/docker.sock';
const SECOND = 'unix:///var/run/tci-docker2.sock';

export interface EngineBenchOptions {
  /** Timed runs per figure. */
  slowRuns: number;
  log(message: string): void;
}

/**
 * Cold builds of the same 10 services (`build --no-cache`, no push) on the shared engine alone
 * and on it plus the second engine that .ci/setup-services.sh starts, in one run. Both engines
 * run on this machine and share its CPUs: the figure shows the cost of spreading work, not the
 * gain of a second machine. Returns no figures (and says why) when the second engine is absent.
 */
export async function engineBenchmarks(opts: EngineBenchOptions): Promise<Figure[]> {
  const { log } = opts;
  try {
    docker(SECOND, ['version']);
  } catch {
    log(`no engine at ${SECOND} (run .ci/setup-services.sh): no engine figures`);
    return [];
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tci-bench-engines-'));
  const prefix = `tci-bench-engines-${process.pid}/`;
  const baseImage = ensureBusyboxImage(`tci-bench-engines-${process.pid}/busybox:latest`);
  // Each --no-cache run retags the services' images, leaving the previous ones untagged: their
  // IDs are collected after every run (never the base image's, which other tags share).
  const built = new Map<string, Set<string>>([
    [FIRST, new Set()],
    [SECOND, new Set()],
  ]);
  const collect = () => {
    for (const [host, ids] of built) {
      const out = docker(host, ['images', '-q', '--no-trunc', '--filter', `reference=${prefix}eng-*`]);
      for (const id of out.split('\n')) if (id !== '') ids.add(id);
    }
  };
  try {
    execSync(`docker save ${baseImage} | DOCKER_HOST=${SECOND} docker load -q`, { stdio: 'ignore' });
    const names = Array.from({ length: 10 }, (_, i) => `eng-${String(i + 1).padStart(2, '0')}`);
    const repos = makeServiceRepos(join(tmp, 'repos'), names, baseImage);
    const spec = writeBenchSpec(
      join(tmp, 'spec'),
      repos,
      repos.map((r) => r.head),
    );
    const config = writeBuildConfig(join(tmp, 'build-config.yml'), prefix);
    const cold = async (label: string, engines: string[]) => {
      const spread: string[] = [];
      const r = await medianOf(
        opts.slowRuns,
        async () => {
          const run = await runBuildCli({
            spec,
            release: join(tmp, 'release.json'),
            baseDir: join(tmp, 'base'),
            buildConfig: config,
            cwd: tmp,
            extra: ['--no-cache', ...engines.flatMap((e) => ['--engine', e])],
          });
          expectActions(run, { build: 10 }, label);
          collect();
          if (engines.length > 1) spread.push([...run.buildsPerEngine.values()].join('/'));
          return run.ms;
        },
        0,
      );
      log(`${label}: median ${r.median.toFixed(0)} ms of ${r.samples.map((s) => s.toFixed(0)).join(', ')}`);
      return { ...r, spread: spread.join(', ') };
    };
    const cpus = availableParallelism();
    log(`cold builds of 10 services (--no-cache): one engine, then two (${cpus} builds at once on each)`);
    const one = await cold('cold 10, one engine', [FIRST]);
    const two = await cold('cold 10, two engines', [FIRST, SECOND]);
    const half = await cold('cold 10, two engines, 1 build at once on each', [
      `${FIRST},concurrency=1`,
      `${SECOND},concurrency=1`,
    ]);
    return [
      { name: 'cold build 10, one engine', value: one.median, unit: 'ms', samples: one.samples },
      {
        name: 'cold build 10, two engines',
        value: two.median,
        unit: 'ms',
        samples: two.samples,
        note: `builds per engine in each run: ${two.spread}; both engines share this machine's ${cpus} CPUs`,
      },
      { name: 'cold build 10: two engines vs one', value: one.median / two.median, unit: 'x' },
      {
        name: 'cold build 10, two engines, 1 build at once on each',
        value: half.median,
        unit: 'ms',
        samples: half.samples,
        note: `as many builds at once as one engine; builds per engine: ${half.spread}`,
      },
    ];
  } finally {
    collect();
    for (const [host, ids] of built) {
      const removals =
        ids.size > 0
          ? [
              ['rmi', '-f', ...ids],
              ['rmi', baseImage],
            ]
          : [['rmi', baseImage]];
      for (const args of removals) {
        try {
          docker(host, args);
        } catch (e) {
          log(`clean-up on ${host} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

function docker(host: string, args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: host },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}
