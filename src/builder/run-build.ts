import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceBuild } from '../build-types/build-type.js';
import type { Emit } from '../core/events.js';
import type { Redactor } from '../core/redact.js';
import { composeRelease, readRelease, writeRelease, type Release } from '../inputs/release.js';
import type { BuildConfig, BuiltImage, ClusterSpec, ImageRef } from '../inputs/types.js';
import type { DockerEngine } from './engines/docker-engine.js';
import { EnginePool } from './engines/engine-pool.js';
import { resolveEngineSpecs, type EngineSpec } from './engines/engine-specs.js';
import { ImageLocator } from './engines/image-locator.js';
import { sharedImageLookups } from './engines/shared-image-lookups.js';
import { executePlans } from './execute/execute-plans.js';
import { planBuild } from './plan/plan-build.js';
import type { BuildableService, ServicePlan } from './plan/service-plan.js';
import { selectServices } from './plan/select-services.js';
import { buildProducers } from './producers/build-producers.js';
import { headOnce, registryAuthLookup } from './registry/registry-lookups.js';
import { DamagedCloneError, discardClone } from './sources/read-file-at-commit.js';
import { acquireBaseDirLock } from './state/base-dir-lock.js';
import { readEngineRecords } from './state/engine-records.js';

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
  for (const s of opts.config.secrets) opts.redactor.add(s);
  for (const r of opts.spec.repositories) {
    opts.redactor.add(r.source.credentials?.password);
    if (r.source.url.startsWith('http')) opts.redactor.add(r.source.credentials?.username);
  }
  const selected = selectServices(opts.spec, opts.targetServices);
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
    return await withClonesRepaired(opts.emit, () => buildLocked(opts, selected, engines));
  } finally {
    await releaseLock();
  }
}

async function buildLocked(
  opts: RunBuildOptions,
  selected: BuildableService[],
  engines: EngineSpec[],
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
    for (const [name, image] of await carriedOverImages(opts.releasePath, exactSources)) {
      if (!images.has(name)) images.set(name, image);
    }
  }
  const release = composeRelease(opts.spec, exactSources, images, new Date());
  if (opts.releasePath !== undefined) {
    await writeRelease(opts.releasePath, release);
    opts.emit({ kind: 'release-written', file: opts.releasePath });
  }
  return release;
}

/**
 * With `--target-service`, the services left out keep what the previous release at the same
 * path recorded for them, when their source is still at the same commit: building one service
 * must not strip the others' images from the release. Anything unreadable is ignored.
 */
async function carriedOverImages(
  releasePath: string,
  exactSources: ReadonlyMap<string, string>,
): Promise<Map<string, BuiltImage>> {
  const carried = new Map<string, BuiltImage>();
  for (const r of (await readRelease(releasePath))?.build.repositories ?? []) {
    const s = r.service;
    if (s === undefined || r.exactSource !== exactSources.get(r.name)) continue;
    if (typeof s.dockerImage !== 'string' || typeof s.buildKey !== 'string') continue;
    carried.set(r.name, {
      dockerImage: s.dockerImage,
      buildKey: s.buildKey,
      reproducible: s.reproducible === true,
      ...(typeof s.imageDigest === 'string' ? { imageDigest: s.imageDigest } : {}),
      ...(typeof s.engine === 'string' ? { engine: s.engine } : {}),
    });
  }
  return carried;
}

/** A cached clone git cannot read (damaged on disk) is thrown away and cloned again, once each. */
async function withClonesRepaired<T>(emit: Emit, build: () => Promise<T>): Promise<T> {
  const discarded = new Set<string>();
  for (;;) {
    try {
      return await build();
    } catch (e) {
      const damaged = damagedCloneOf(e);
      if (damaged === undefined || discarded.has(damaged.clonePath)) throw e;
      discarded.add(damaged.clonePath);
      emit({ kind: 'warning', message: `${damaged.message}; cloning it again` });
      await discardClone(damaged.clonePath);
    }
  }
}

function damagedCloneOf(e: unknown): DamagedCloneError | undefined {
  if (e instanceof DamagedCloneError) return e;
  // Several failed steps are merged into one error whose cause is the first.
  return e instanceof Error && e.cause instanceof DamagedCloneError ? e.cause : undefined;
}

/** `--no-cache`: everything but the lock goes. */
async function clearBaseDir(baseDir: string): Promise<void> {
  for (const entry of await readdir(baseDir)) {
    if (entry !== 'build.lock') await rm(join(baseDir, entry), { recursive: true, force: true });
  }
}
