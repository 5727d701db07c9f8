import { InternalError } from '../core/user-error.js';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Emit } from '../core/events.js';
import { OnceByKey } from '../core/once-by-key.js';
import type { Redactor } from '../core/redact.js';
import {
  type BuildConfig,
  type BuildType,
  type ClusterSpec,
  type Digest,
  type ImageRef,
  type ServiceRepository,
} from '../inputs/types.js';
import { buildTypeHandlers } from './build-type-handlers.js';
import { decideAction, type Decision } from './decide-action.js';
import { readEngineRecords } from './engine-records.js';
import { runGraph } from './graph/run-graph.js';
import type { DockerEngine } from './image/docker-engine.js';
import { EnginePool } from './image/engine-pool.js';
import { resolveEngineSpecs, type EngineSpec } from './image/engine-specs.js';
import { ImageLocator } from './image/image-locator.js';
import { sharedImageLookups } from './image/shared-image-lookups.js';
import { prepareService, type PreparedService } from './prepare-service.js';
import { carriedOverImages, composeRelease, writeRelease, type BuiltImage } from './release.js';
import { recordLastBuild } from './service-steps.js';
import { AppBaseSources, type AppBaseContext } from './app-base-images.js';
import { imageLayoutDir } from './build-layout.js';
import { collectImageGarbage } from './collect-image-garbage.js';
import { decideAppAction } from './decide-app-action.js';
import { OciLayout } from './oci/oci-layout.js';
import { hostPlatform } from './registry/select-platform.js';
import { resolveServiceSources } from './resolve-service-sources.js';
import { composeSteps } from './compose-steps.js';
import { headOnce, registryAuthLookup } from './registry-lookups.js';
import { selectServices } from './select-services.js';
import { DamagedCloneError, discardClone } from './source/read-file-at-commit.js';
import { acquireBaseDirLock } from './stamp/base-dir-lock.js';

export interface RunBuildOptions {
  spec: ClusterSpec;
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

export interface PlannedService {
  service: string;
  action: Decision['action'];
  reason: string;
  image: string | undefined;
  changed: string[];
}

export interface BuildResult {
  plan: PlannedService[];
  release?: Record<string, unknown>;
}

/** Most git processes talking to remotes at once; git work is limited apart from image work. */
const GIT_CONCURRENCY = 8;

/**
 * `build`, composed: check, lock, resolve sources, compute keys, decide, build and push in
 * a graph, then write the release atomically. Nothing new starts after a failure, and no release
 * is written unless every service succeeded.
 */
export async function runBuild(opts: RunBuildOptions): Promise<BuildResult> {
  const { spec, config, emit, signal } = opts;
  for (const s of config.secrets) opts.redactor.add(s);
  for (const r of spec.repositories) {
    opts.redactor.add(r.source.credentials?.password);
    if (r.source.url.startsWith('http')) opts.redactor.add(r.source.credentials?.username);
  }
  const selected = selectServices(spec, opts.targetServices);
  const engines = resolveEngineSpecs({
    flags: opts.engines ?? [],
    config: config.engines,
    env: opts.env,
    concurrency: opts.concurrency,
  });

  const releaseLock = await acquireBaseDirLock(opts.baseDir, {
    emit,
    signal,
    command: 'taskcluster-installer build',
  });
  try {
    if (opts.noCache && !opts.dryRun) await clearBaseDir(opts.baseDir);
    // A cached clone git cannot read (damaged on disk) is thrown away and cloned again, once each.
    const discarded = new Set<string>();
    for (;;) {
      try {
        return await buildLocked(opts, selected, engines);
      } catch (e) {
        const damaged = damagedCloneOf(e);
        if (damaged === undefined || discarded.has(damaged.clonePath)) throw e;
        discarded.add(damaged.clonePath);
        emit({ kind: 'warning', message: `${damaged.message}; cloning it again` });
        await discardClone(damaged.clonePath);
      }
    }
  } finally {
    await releaseLock();
  }
}

/** Everything after the lock: resolve, decide, build, push, write the release. */
async function buildLocked(
  opts: RunBuildOptions,
  selected: ServiceRepository[],
  engines: EngineSpec[],
): Promise<BuildResult> {
  const { spec, config, emit, signal } = opts;
  const sources = await resolveServiceSources(spec, selected, {
    baseDir: opts.baseDir,
    signal,
    emit,
    gitConcurrency: GIT_CONCURRENCY,
  });
  const authFor = registryAuthLookup(config, emit, opts.redactor);
  const head = (ref: ImageRef) => headOnce(ref, authFor, signal);
  // The first engine answers the build-key questions; the others are contacted only for work.
  const pool = new EnginePool(engines, { emit, authFor, ...(opts.engine ? { keyClient: opts.engine } : {}) });
  const engine = pool.key.client;
  // Asked at most once, and only by what needs a daemon: a --push build of images the tool
  // writes, on bases in a registry, never does.
  let engineDown: Promise<string | undefined> | undefined;
  const engineUnreachable = () => (engineDown ??= engine.unreachable());

  // Services sharing a base image look it up once; nothing changes images until every key is known.
  const lookupEngine = sharedImageLookups(engine);
  pool.useKeyLookups(lookupEngine);
  const layout = new OciLayout(imageLayoutDir(opts.baseDir));
  const appBases: AppBaseContext = {
    baseDir: opts.baseDir,
    layout,
    engine: lookupEngine,
    engineUnreachable,
    authFor,
    platform: hostPlatform(),
    signal,
    lookups: new OnceByKey(),
  };
  const prepared = await Promise.all(
    selected.map((repo) =>
      prepareService(
        repo,
        buildTypeHandlers[repo.service.buildType as BuildType],
        sources.main(repo.name),
        sources.extra(repo.name),
        {
          baseDir: opts.baseDir,
          repositoryPrefix: config.docker.repositoryPrefix,
          images: config.images,
          engine: lookupEngine,
          authFor,
          dryRun: opts.dryRun,
          signal,
          appBases,
        },
      ),
    ),
  );
  const records = pool.several
    ? await readEngineRecords(
        opts.baseDir,
        selected.map((s) => s.name),
      )
    : new Map();
  const recordedByImage = new Map([...records.values()].map((r) => [r.image, r.engine]));
  const locator = new ImageLocator(pool, (tag) => recordedByImage.get(tag));
  const decisions = await Promise.all(
    prepared.map((p) =>
      p.handler.kind === 'app'
        ? decideAppAction(p, {
            push: opts.push,
            noCache: opts.noCache,
            layout,
            engine,
            engineUnreachable,
            head,
          })
        : decideAction(p, { push: opts.push, noCache: opts.noCache, engine: locator.engine(), head }),
    ),
  );
  const plan = prepared.map((p, i) => planEntry(p, decisions[i] as Decision));
  for (const entry of plan) {
    emit({
      kind: 'plan-decided',
      service: entry.service,
      action: entry.action,
      reason: entry.reason,
      image: entry.image ?? '(unknown)',
      buildKey: prepared.find((p) => p.repo.name === entry.service)?.key ?? '',
      ...(entry.changed.length > 0 ? { changed: entry.changed } : {}),
    });
  }
  for (const d of decisions) if (d.warning !== undefined) emit({ kind: 'warning', message: d.warning });
  if (opts.dryRun) return { plan };

  const digests = new Map<string, Digest>();
  const { steps, holderOf } = await composeSteps(prepared, decisions, {
    opts: {
      baseDir: opts.baseDir,
      images: config.images,
      noCache: opts.noCache,
      push: opts.push,
      releasePath: opts.releasePath,
      emit,
    },
    pool,
    locator,
    records,
    authFor,
    engineUnreachable,
    layout,
    bases: new AppBaseSources(appBases),
    digest: (service, digest) => digests.set(service, digest),
  });
  for (const [i, p] of prepared.entries()) {
    const d = decisions[i] as Decision;
    if (d.action === 'skip') {
      emit({
        kind: 'step-skipped',
        service: p.repo.name,
        step: opts.push ? 'build+push' : 'build',
        reason: d.reason,
      });
      await recordLastBuild(p, { baseDir: opts.baseDir, images: config.images });
    }
  }
  if (steps.length > 0) {
    if (pool.several && !opts.push) {
      emit({
        kind: 'warning',
        message:
          'without --push, each image stays on the engine that holds it; the release names that engine (service.engine)',
      });
    }
    await runGraph(steps, { pools: { image: pool.capacity, push: opts.concurrency }, signal, emit });
    // Only after image work: a no-op build leaves the layout as it found it.
    if (prepared.some((p) => p.handler.kind === 'app')) await collectImageGarbage(opts.baseDir, layout);
  }

  const images = new Map<string, BuiltImage>();
  for (const [i, p] of prepared.entries()) {
    const d = decisions[i] as Decision;
    const tag = p.tag as ImageRef;
    const digest = d.digest ?? digests.get(p.repo.name);
    const repoName = tag.slice(0, tag.lastIndexOf(':'));
    const reproducible = p.handler.kind === 'app';
    if ((opts.push || reproducible) && digest === undefined)
      throw new InternalError(`no digest recorded for ${p.repo.name}`);
    // An image the tool writes is loaded into the first engine; others stay where they were built.
    const holder =
      pool.several && !opts.push ? (reproducible ? pool.key : holderOf(p.repo.name, tag)) : undefined;
    images.set(p.repo.name, {
      dockerImage: (opts.push ? `${repoName}@${digest}` : tag) as ImageRef,
      buildKey: p.key as NonNullable<PreparedService['key']>,
      reproducible,
      ...(digest !== undefined ? { imageDigest: digest } : {}),
      ...(holder !== undefined ? { engine: holder.id } : {}),
    });
  }
  const exactSources = sources.exactSources();
  if (opts.targetServices.length > 0 && opts.releasePath !== undefined) {
    const carried = await carriedOverImages(opts.releasePath, exactSources, new Set(images.keys()));
    for (const [name, image] of carried) images.set(name, image);
  }
  const release = composeRelease(spec, exactSources, images, new Date());
  if (opts.releasePath !== undefined) {
    await writeRelease(opts.releasePath, release);
    emit({ kind: 'release-written', file: opts.releasePath });
  }
  return { plan, release };
}

function damagedCloneOf(e: unknown): DamagedCloneError | undefined {
  if (e instanceof DamagedCloneError) return e;
  // Several failed steps are merged into one error whose cause is the first.
  return e instanceof Error && e.cause instanceof DamagedCloneError ? e.cause : undefined;
}

function planEntry(p: PreparedService, d: Decision): PlannedService {
  return { service: p.repo.name, action: d.action, reason: d.reason, image: p.tag, changed: d.changed };
}

/** `--no-cache`: everything but the lock goes. */
async function clearBaseDir(baseDir: string): Promise<void> {
  for (const entry of await readdir(baseDir)) {
    if (entry !== 'build.lock') await rm(join(baseDir, entry), { recursive: true, force: true });
  }
}
