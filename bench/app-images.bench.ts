import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage, ensureNodeImage } from '../test/helpers/base-images.js';
import { GitRepo } from '../test/helpers/git-repo.js';
import { NodeApps } from '../test/helpers/node-app.js';
import { startRegistry } from '../test/helpers/registry.js';
import { makeTestStack } from '../test/helpers/stack-images.js';
import { createTestBuildpack } from '../test/helpers/test-buildpack.js';
import type { Figure } from './figure.js';
import { makeServiceRepos } from './make-service-repos.js';
import { expectActions, runBuildCli } from './run-build-cli.js';
import { medianOf } from './time-command.js';
import { writeBenchSpec } from './write-bench-spec.js';
import { removeImages } from '../test/helpers/remove-images.js';

export interface AppBenchOptions {
  runs: number;
  slowRuns: number;
  log(message: string): void;
}

/** Services per build type: enough for the build graph to run two at once. */
const N = 3;

/**
 * Issue 10's figures: cold and no-op `build --push` of `node` and `heroku-buildpack` services,
 * whose images the tool writes itself, beside the same figures for `docker` services measured
 * in the same run (the baseline: the daemon builds and pushes those). Base images are in a
 * loopback registry, as the daemonless path wants them: the offline node image (about 100 MB),
 * busybox stack images, and busybox for the Dockerfiles.
 */
export async function appImageBenchmarks(opts: AppBenchOptions): Promise<Figure[]> {
  const { log } = opts;
  const tmp = mkdtempSync(join(tmpdir(), 'tci-bench-apps-'));
  const registry = await startRegistry();
  const pid = process.pid;
  const stack = makeTestStack(30, 'bench');
  const busybox = ensureBusyboxImage(`tci-bench-${pid}/busybox:latest`);
  const bases: Record<string, string> = {
    'node:20': `${registry.host}/bench-base-${pid}/node:20`,
    'heroku/heroku:30': `${registry.host}/bench-base-${pid}/heroku:30`,
    'heroku/heroku:30-build': `${registry.host}/bench-base-${pid}/heroku:30-build`,
  };
  const local: Record<string, string> = { 'node:20': ensureNodeImage(), ...stack.images };
  const prefix = `${registry.host}/bench-apps-${pid}/`;
  try {
    log(`apps: pushing the base images to ${registry.host}`);
    for (const [name, target] of Object.entries(bases)) {
      execFileSync('docker', ['tag', local[name] as string, target]);
      execFileSync('docker', ['push', target], { stdio: 'ignore' });
      execFileSync('docker', ['rmi', target], { stdio: 'ignore' });
    }
    const config = join(tmp, 'build-config.yml');
    writeFileSync(config, `docker: {repositoryPrefix: "${prefix}"}\nimages: ${JSON.stringify(bases)}\n`);
    const specs = {
      docker: writeBenchSpec(
        join(tmp, 'spec-docker'),
        makeServiceRepos(join(tmp, 'docker'), names('dkr'), busybox),
        [],
      ),
      node: nodeSpec(join(tmp, 'node'), names('nod')),
      heroku: herokuSpec(join(tmp, 'heroku'), names('hrk')),
    };
    const figures: Figure[] = [];
    const cold: Record<string, number> = {};
    const noop: Record<string, number> = {};
    for (const [type, spec] of Object.entries(specs)) {
      const baseDir = join(tmp, `base-${type}`);
      const build = (extra: string[]) =>
        runBuildCli({
          spec,
          release: join(tmp, `release-${type}.json`),
          baseDir,
          buildConfig: config,
          cwd: tmp,
          extra,
        });
      log(`apps: cold build --push of ${N} ${type} services, ${opts.slowRuns} runs`);
      const c = await medianOf(
        opts.slowRuns,
        async () => {
          const run = await build(['--push', '--no-cache']);
          expectActions(run, { build: N }, `cold ${type}`);
          return run.ms;
        },
        0,
      );
      log(`apps: ${type} no-op build --push, ${opts.runs} runs`);
      const n = await medianOf(opts.runs, async () => {
        const run = await build(['--push']);
        expectActions(run, { skip: N }, `no-op ${type}`);
        return run.ms;
      });
      cold[type] = c.median;
      noop[type] = n.median;
      log(`apps: ${type}: cold ${c.median.toFixed(0)} ms, no-op ${n.median.toFixed(0)} ms`);
      figures.push(
        { name: `cold build --push, ${N} ${type} services`, value: c.median, unit: 'ms', samples: c.samples },
        {
          name: `no-op build --push, ${N} ${type} services`,
          value: n.median,
          unit: 'ms',
          samples: n.samples,
        },
      );
    }
    for (const type of ['node', 'heroku'] as const) {
      figures.push(
        {
          name: `${type} / docker, cold build --push`,
          value: (cold[type] as number) / (cold['docker'] as number),
          unit: 'x',
          note: `the docker services (a six-step Dockerfile on busybox) measured in the same run are the baseline`,
        },
        {
          name: `${type} / docker, no-op build --push`,
          value: (noop[type] as number) / (noop['docker'] as number),
          unit: 'x',
        },
      );
    }
    return figures;
  } finally {
    removeImages(`${prefix}*`);
    execFileSync('docker', ['rmi', '-f', busybox], { stdio: 'ignore' });
    stack.remove();
    await registry.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function names(kind: string): string[] {
  return Array.from({ length: N }, (_, i) => `${kind}-${i + 1}`);
}

/** Node apps with one vendored dependency and a lock file, each pinned by its commit. */
function nodeSpec(dir: string, services: string[]): string {
  const apps = new NodeApps(dir);
  apps.pack('bench-dep', {
    'package.json': JSON.stringify({ name: 'bench-dep', version: '1.0.0' }),
    'index.js': "module.exports = 'bench';\n",
  });
  return writeSpec(
    join(dir, 'spec'),
    services.map((name) => {
      const repo = apps.app(
        name,
        {
          dependencies: { 'bench-dep': 'file:vendor/bench-dep-1.0.0.tgz' },
          scripts: { start: 'node server.js' },
        },
        { 'server.js': `console.log(require('bench-dep'), ${JSON.stringify(name)});\n` },
      );
      return { name, source: `${repo.path}#${repo.head()}`, service: '{buildType: node, node: "20"}' };
    }),
  );
}

/** Apps for the test buildpack on the busybox stack, pinned by their commits. */
function herokuSpec(dir: string, services: string[]): string {
  const buildpack = createTestBuildpack(join(dir, 'buildpack'));
  return writeSpec(
    join(dir, 'spec'),
    services.map((name) => {
      const repo = GitRepo.create(join(dir, name), { Procfile: 'web: bin/greet web\n', greeting: name });
      return {
        name,
        source: `${repo.path}#${repo.head()}`,
        service: `{buildType: heroku-buildpack, stack: heroku-30, buildpack: "${buildpack.path}#${buildpack.head()}"}`,
      };
    }),
  );
}

function writeSpec(dir: string, entries: Array<{ name: string; source: string; service: string }>): string {
  mkdirSync(dir, { recursive: true });
  const lines = ['repositories:'];
  for (const e of entries)
    lines.push(
      `  - name: ${e.name}`,
      '    kind: service',
      `    source: ${e.source}`,
      `    service: ${e.service}`,
    );
  writeFileSync(join(dir, 'build.yml'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'deploy.yml'), 'resources: []\n');
  return dir;
}
