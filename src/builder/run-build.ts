import type { ServiceBuild } from '../build-types/build-type.js';
import type { Emit } from '../core/events.js';
import type { Redactor } from '../core/redact.js';
import {
  carriedOverImages,
  composeRelease,
  readRelease,
  writeRelease,
  type Release,
} from '../inputs/release.js';
import type { BuildConfig, BuiltImage, ClusterSpec, ImageRef } from '../inputs/types.js';
import type { DockerEngine } from './engines/docker-engine.js';
import { EnginePool } from './engines/engine-pool.js';
import { resolveEngineSpecs, type EngineSpec } from './engines/engine-specs.js';
import { ImageLocator } from './engines/image-locator.js';
import { sharedImageLookups } from './engines/shared-image-lookups.js';
import { executePlans } from './execute/execute-plans.js';
import { planBuild } from './plan/plan-build.js';
import { servicesWhere } from './plan/service-entry.js';
import type { BuildableService, ServicePlan } from './plan/service-plan.js';
import { configureServices } from './plan/configure-services.js';
import { selectServices } from './plan/select-services.js';
import { buildProducers } from './producers/build-producers.js';
import type { BuildContextOptions } from './producers/build-context.js';
import { GitTrees } from './producers/git-trees.js';
import { headOnce, registryAuthLookup } from './registry/registry-lookups.js';
import { loadServiceSecrets } from '../inputs/build-secrets.js';
import { loadServiceEnv } from '../inputs/service-env.js';
import { withClonesRepaired } from './sources/with-clones-repaired.js';
import { acquireBaseDirLock } from './state/base-dir-lock.js';
import { clearBaseDir } from './state/clear-base-dir.js';
import { readEngineRecords } from './state/engine-records.js';
import { pathError } from '../core/system-error-text.js';

export interface RunBuildOptions {
  spec: ClusterSpec<ServiceBuild>;
  config: BuildConfig;
  /** Undefined with `dryRun`. */
  releasePath?: string;
  baseDir: string;
  push: boolean;
  noCache: boolean;
  targetServices: string[];
  /** Most image builds at once, on each engine that does not set its own. */
  concurrency: number;
  /** `--engine` values (`ENDPOINT[,concurrency=N]`): they replace the build config's `engines`. */
  engines?: string[];
  dryRun: boolean;
  emit: Emit;
  signal: AbortSignal;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
  /** For tests: the client of the first engine. */
  engine?: DockerEngine;
}

export interface BuildResult {
  plans: ServicePlan[];
  release?: Release;
}

/** Most git processes talking to remotes at once; git work is limited apart from image work. */
const GIT_CONCURRENCY = 8;

/**
 * `build`: plan (sources, build keys, actions), execute (the steps of every plan, on the
 * engines), then write the release atomically, all under the base-dir lock. Nothing new starts
 * after a failure, and no release is written unless every service succeeded.
 */
export async function runBuild(opts: RunBuildOptions): Promise<BuildResult> {
  for (const s of opts.config.sensitiveValues) opts.redactor.add(s);
  for (const r of opts.spec.repositories) {
    opts.redactor.add(r.source.credentials?.password);
    if (r.source.url.startsWith('http')) opts.redactor.add(r.source.credentials?.username);
  }
  const selected = configureServices(opts.spec, selectServices(opts.spec, opts.targetServices), opts.config);
  // Before any work: a service naming a secret the build config lacks stops the build here.
  const secrets = await loadServiceSecrets(
    selected.map((s) => ({ service: s.name, index: s.index, ids: s.service.secrets })),
    opts.config.secrets,
    { redactor: opts.redactor, ...servicesWhere(opts.spec) },
  );
  const env = loadServiceEnv(
    selected.map((s) => ({ service: s.name, index: s.index, names: s.service.envNames ?? [] })),
    opts.env,
    { redactor: opts.redactor, ...servicesWhere(opts.spec) },
  );
  const engines = resolveEngineSpecs({
    flags: opts.engines ?? [],
    config: opts.config.engines,
    env: opts.env,
    concurrency: opts.concurrency,
  });
  const releaseLock = await acquireBaseDirLock(opts.baseDir, {
    emit: opts.emit,
    signal: opts.signal,
    command: 'taskcluster-installer build',
  });
  try {
    if (opts.noCache && !opts.dryRun) await clearBaseDir(opts.baseDir);
    // Live: a credential learned later (a registry's, at its first pull) is masked from then on.
    const redact = (text: string) => opts.redactor.redact(text);
    return await withClonesRepaired(opts.emit, () =>
      buildLocked(opts, selected, engines, { secrets, env, redact }),
    );
  } finally {
    await releaseLock();
  }
}

async function buildLocked(
  opts: RunBuildOptions,
  selected: BuildableService[],
  engines: EngineSpec[],
  values: Pick<BuildContextOptions, 'secrets' | 'env' | 'redact'>,
): Promise<BuildResult> {
  const { config, emit, signal } = opts;
  const authFor = registryAuthLookup(config, emit, opts.redactor);
  const head = (ref: ImageRef) => headOnce(ref, authFor, signal);
  // The first engine answers the build-key questions; the others are contacted only for work.
  const pool = new EnginePool(engines, { emit, authFor, ...(opts.engine ? { keyClient: opts.engine } : {}) });
  // Services sharing a base image look it up once; nothing changes images until every key is known.
  const keyEngine = sharedImageLookups(pool.key.client);
  pool.useKeyLookups(keyEngine);
  const records = pool.several
    ? await readEngineRecords(
        opts.baseDir,
        selected.map((s) => s.name),
      )
    : new Map();
  const recordedByImage = new Map([...records.values()].map((r) => [r.image, r.engine]));
  const locator = new ImageLocator(pool, (tag) => recordedByImage.get(tag));
  const common = {
    baseDir: opts.baseDir,
    images: config.images,
    push: opts.push,
    noCache: opts.noCache,
    ...values,
    trees: new GitTrees(),
    signal,
    emit,
  };
  const producerOf = buildProducers({
    ...common,
    daemon: pool.key.client,
    keyEngine,
    imageEngine: locator.engine(),
    authFor,
    head,
  });
  const { plans, exactSources } = await planBuild(opts.spec, selected, {
    ...common,
    repositoryPrefix: config.docker.repositoryPrefix,
    dryRun: opts.dryRun,
    gitConcurrency: GIT_CONCURRENCY,
    producerOf,
  });
  if (opts.dryRun) return { plans };
  const images = await executePlans(plans, {
    ...common,
    where: servicesWhere(opts.spec),
    concurrency: opts.concurrency,
    releasePath: opts.releasePath,
    pool,
    locator,
    records,
    authFor,
  });
  return { plans, release: await writeBuildRelease(opts, exactSources, images) };
}

/** The release of this build; with `--target-service`, the previous release's other images carried over. */
async function writeBuildRelease(
  opts: RunBuildOptions,
  exactSources: ReadonlyMap<string, string>,
  images: Map<string, BuiltImage>,
): Promise<Release> {
  if (opts.targetServices.length > 0 && opts.releasePath !== undefined) {
    const previous = await readRelease(opts.releasePath);
    for (const [name, image] of previous !== undefined ? carriedOverImages(previous, exactSources) : []) {
      if (!images.has(name)) images.set(name, image);
    }
  }
  const release = composeRelease(opts.spec, exactSources, images, new Date());
  const file = opts.releasePath;
  if (file !== undefined) {
    await writeRelease(file, release).catch((e: unknown) => {
      throw pathError(file, 'cannot write the release', e);
    });
    opts.emit({ kind: 'release-written', file });
  }
  return release;
}
