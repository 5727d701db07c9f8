import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBuild } from '../../src/builder/run-build.js';
import type { Event } from '../../src/core/events.js';
import { Redactor } from '../../src/core/redact.js';
import { buildTypes } from '../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../src/inputs/cluster-spec.js';
import type { GitRepo } from './git-repo.js';

export interface AppBuildResult {
  /** `service.dockerImage` of the release. */
  image: string;
  service: Record<string, unknown>;
  events: Event[];
  /** The build step's log. */
  logFile: string;
}

let specs = 0;

/**
 * Builds one service of a `node` or `heroku-buildpack` type through the whole build (runBuild,
 * as the CLI runs it) from a spec written here: the service's repository at `main`, the build
 * fields given as YAML flow text, base images mapped with `images`.
 */
export async function buildAppService(opts: {
  dir: string;
  name: string;
  repo: GitRepo;
  /** e.g. `{buildType: node, node: "20"}`. */
  service: string;
  prefix: string;
  images?: Record<string, string>;
  signal?: AbortSignal;
  lines?: string[];
  push?: boolean;
  env?: NodeJS.ProcessEnv;
  registries?: Record<string, { username: string; password: string }>;
}): Promise<AppBuildResult> {
  const specDir = join(opts.dir, `spec-${++specs}`);
  mkdirSync(specDir, { recursive: true });
  writeFileSync(
    join(specDir, 'build.yml'),
    `repositories:\n  - name: ${opts.name}\n    kind: service\n    source: ${opts.repo.url('main')}\n    service: ${opts.service}\n`,
  );
  writeFileSync(join(specDir, 'deploy.yml'), 'resources: []\n');
  const baseDir = join(opts.dir, 'base');
  const events: Event[] = [];
  const { release } = await runBuild({
    spec: await loadClusterSpec(specDir, { serviceTypes: buildTypes }),
    config: {
      docker: { repositoryPrefix: opts.prefix, registries: opts.registries ?? {}, builder: 'buildkit' },
      images: opts.images ?? {},
      engines: [],
      secrets: {},
      sensitiveValues: [],
    },
    releasePath: join(opts.dir, 'release.json'),
    baseDir,
    push: opts.push ?? false,
    noCache: false,
    targetServices: [],
    concurrency: 2,
    dryRun: false,
    emit: (e) => {
      events.push(e);
      if (e.kind === 'log-line') opts.lines?.push(e.line);
    },
    signal: opts.signal ?? new AbortController().signal,
    redactor: new Redactor(),
    env: opts.env ?? process.env,
  });
  const repos = (release as { build: { repositories: Array<{ service: Record<string, unknown> }> } }).build
    .repositories;
  const service = repos[0]?.service ?? {};
  return {
    image: String(service['dockerImage']),
    service,
    events,
    logFile: join(baseDir, 'logs', opts.name, 'build.log'),
  };
}
