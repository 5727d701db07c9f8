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

export interface AppServicesResult {
  /** `service` of each repository of the release, by name. */
  services: Map<string, Record<string, unknown>>;
  events: Event[];
  baseDir: string;
}

let specs = 0;

interface AppBuildOptions {
  dir: string;
  prefix: string;
  images?: Record<string, string>;
  signal?: AbortSignal;
  lines?: string[];
  push?: boolean;
  env?: NodeJS.ProcessEnv;
  registries?: Record<string, { username: string; password: string }>;
  /** The build config's `secrets:` (values). */
  secrets?: Record<string, string>;
  /** `--target-service`. */
  targets?: string[];
  /** Receives every event as it comes, also of a build that fails. */
  events?: Event[];
}

/**
 * Builds one service of a `node` or `heroku-buildpack` type through the whole build (runBuild,
 * as the CLI runs it) from a spec written here: the service's repository at `main`, the build
 * fields given as YAML flow text, base images mapped with `images`.
 */
export async function buildAppService(
  opts: AppBuildOptions & {
    name: string;
    repo: GitRepo;
    /** e.g. `{buildType: node, node: "20"}`. */
    service: string;
  },
): Promise<AppBuildResult> {
  const { services, events, baseDir } = await buildAppServices({
    ...opts,
    services: [{ name: opts.name, repo: opts.repo, service: opts.service }],
  });
  const service = services.get(opts.name) ?? {};
  return {
    image: String(service['dockerImage']),
    service,
    events,
    logFile: join(baseDir, 'logs', opts.name, 'build.log'),
  };
}

/** The same for several services (say, two of one monorepo), in one build of one spec. */
export async function buildAppServices(
  opts: AppBuildOptions & { services: ReadonlyArray<{ name: string; repo: GitRepo; service: string }> },
): Promise<AppServicesResult> {
  const specDir = join(opts.dir, `spec-${++specs}`);
  mkdirSync(specDir, { recursive: true });
  const entries = opts.services.map(
    (s) =>
      `  - name: ${s.name}\n    kind: service\n    source: ${s.repo.url('main')}\n    service: ${s.service}\n`,
  );
  writeFileSync(join(specDir, 'build.yml'), `repositories:\n${entries.join('')}`);
  writeFileSync(join(specDir, 'deploy.yml'), 'resources: []\n');
  const baseDir = join(opts.dir, 'base');
  const events: Event[] = opts.events ?? [];
  const { release } = await runBuild({
    spec: await loadClusterSpec(specDir, { serviceTypes: buildTypes }),
    config: {
      docker: { repositoryPrefix: opts.prefix, registries: opts.registries ?? {}, builder: 'buildkit' },
      images: opts.images ?? {},
      engines: [],
      secrets: opts.secrets ?? {},
      sensitiveValues: Object.values(opts.secrets ?? {}),
    },
    releasePath: join(opts.dir, 'release.json'),
    baseDir,
    push: opts.push ?? false,
    noCache: false,
    targetServices: opts.targets ?? [],
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
  const repos = (
    release as { build: { repositories: Array<{ name: string; service: Record<string, unknown> }> } }
  ).build.repositories;
  return { services: new Map(repos.map((r) => [r.name, r.service ?? {}])), events, baseDir };
}
