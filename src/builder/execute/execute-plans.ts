import { canonicalJson } from '../../core/canonical-json.js';
import type { Emit } from '../../core/events.js';
import { InternalError, isUserError, UserError } from '../../core/user-error.js';
import { readRelease } from '../../inputs/release.js';
import type { BuiltImage, ImageRef, RegistryCredentials } from '../../inputs/types.js';
import type { EnginePool } from '../engines/engine-pool.js';
import type { ImageLocator } from '../engines/image-locator.js';
import { runGraph } from '../graph/run-graph.js';
import type { Step } from '../graph/step.js';
import { recordLastBuild } from '../plan/last-build.js';
import { locatedInServiceEntry, type ServicesWhere } from '../plan/service-entry.js';
import type { ServicePlan } from '../plan/service-plan.js';
import type { ImageOutcome } from '../producers/image-producer.js';
import { writeEngineRecord, type EngineRecord } from '../state/engine-records.js';
import { EnginePlacement } from './engine-placement.js';

export interface ExecuteOptions {
  baseDir: string;
  images: Readonly<Record<string, string>>;
  push: boolean;
  noCache: boolean;
  /** Most pushes and pulls at once. */
  concurrency: number;
  /** Where the release goes; the previous one there gives each service a cache image. */
  releasePath: string | undefined;
  emit: Emit;
  signal: AbortSignal;
  pool: EnginePool;
  locator: ImageLocator;
  /** With several engines: where each service's image was last built or pulled. */
  records: ReadonlyMap<string, EngineRecord>;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  /** build.yml, for the services' entries in a check's problems. */
  where: ServicesWhere;
}

/**
 * Carries out the plans: each service's steps (its producer's), placed on the engines, run as
 * one graph (nothing new starts after a failure), each service's last build recorded once its
 * image exists. Returns each service's image as the release records it.
 */
export async function executePlans(
  plans: readonly ServicePlan[],
  opts: ExecuteOptions,
): Promise<Map<string, BuiltImage>> {
  const outcomes = new Map<string, ImageOutcome>(
    plans.map((p) => [p.name, p.digest !== undefined ? { digest: p.digest } : {}]),
  );
  await checkBuilds(plans, opts.where);
  const placement = await enginePlacement(plans, opts);
  const steps = plans.flatMap((p) => stepsOf(p, outcomes.get(p.name) ?? {}, placement, opts));
  for (const p of plans.filter((p) => p.action === 'skip')) {
    opts.emit({
      kind: 'step-skipped',
      service: p.name,
      step: opts.push ? 'build+push' : 'build',
      reason: p.reason,
    });
    await remember(p, opts);
  }
  if (steps.length > 0) {
    if (opts.pool.several && !opts.push) {
      opts.emit({
        kind: 'warning',
        message:
          'without --push, each image stays on the engine that holds it; the release names that engine (service.engine)',
      });
    }
    await runGraph(steps, {
      pools: { image: opts.pool.capacity, push: opts.concurrency },
      signal: opts.signal,
      emit: opts.emit,
    });
    // Only after image work: a no-op build leaves the base dir's images as it found them.
    for (const producer of new Set(plans.map((p) => p.producer))) await producer.afterImageWork();
  }
  return new Map(plans.map((p) => [p.name, builtImage(p, outcomes.get(p.name) ?? {}, placement, opts)]));
}

/** A plan's steps, on the engines the placement chooses; the steps that make its image present record it. */
function stepsOf(
  p: ServicePlan,
  outcome: ImageOutcome,
  placement: EnginePlacement,
  opts: ExecuteOptions,
): Step[] {
  if (p.tag === undefined || p.action === 'skip') return [];
  const tag = p.tag;
  const job = { ...p, tag, baseImages: p.inputs.baseImages };
  return placement.place(job, p.producer.engineUse, (action, engine, emit) =>
    p.producer.steps({ ...job, action }, { engine, emit, outcome }).map((step) =>
      step.name === 'push'
        ? step
        : {
            ...step,
            run: async (ctx) => {
              const done = await step.run(ctx);
              await remember(p, opts);
              return done;
            },
          },
    ),
  );
}

/**
 * What the producers can tell is wrong with the builds before any runs (an image without the
 * tools its build needs), for every service at once: one UserError naming each, nothing built.
 * A problem that names no file of its own (the service's fields or images) names the service's
 * entry in build.yml.
 */
async function checkBuilds(plans: readonly ServicePlan[], where: ServicesWhere): Promise<void> {
  const building = plans.filter((p) => p.action === 'build' && p.tag !== undefined);
  const checks = building.map((p) => p.producer.check?.({ ...p, tag: p.tag as ImageRef }));
  const failed = (await Promise.allSettled(checks)).flatMap((r, i) =>
    r.status === 'rejected'
      ? [locatedInServiceEntry(r.reason, (building[i] as ServicePlan).index, where)]
      : [],
  );
  const other = failed.find((e) => !isUserError(e));
  if (other !== undefined) throw other;
  if (failed.length > 0) throw new UserError(failed.flatMap((e) => (isUserError(e) ? e.problems : [])));
}

/** Remembers this build's inputs (for `--dry-run`'s "what changed" and the no-spawn fast path). */
async function remember(p: ServicePlan, opts: ExecuteOptions): Promise<void> {
  if (p.key === undefined) return;
  const record = {
    commit: p.source.commit,
    inputs: p.inputs,
    baseImageRefs: p.baseImageRefs,
    imagesMap: canonicalJson(opts.images),
    buildKey: p.key,
  };
  await recordLastBuild(opts.baseDir, p.name, record, p.previous);
}

/** The placement of this build's steps; its cache images are those of the previous release at the output path. */
async function enginePlacement(
  plans: readonly ServicePlan[],
  opts: ExecuteOptions,
): Promise<EnginePlacement> {
  const cacheImages = new Map<string, string>();
  if (!opts.noCache && opts.releasePath !== undefined && plans.some((p) => p.action === 'build')) {
    for (const r of (await readRelease(opts.releasePath))?.build.repositories ?? []) {
      const image = r.service?.dockerImage;
      if (typeof image === 'string') cacheImages.set(r.name, image);
    }
  }
  return new EnginePlacement({
    pool: opts.pool,
    locator: opts.locator,
    emit: opts.emit,
    authFor: opts.authFor,
    cacheImages,
    lastEngines: new Map([...opts.records].map(([service, r]) => [service, r.engine])),
    record: (service, image, engine) => writeEngineRecord(opts.baseDir, service, { image, engine }),
  });
}

/** The release's record of a service's image: pinned by digest when pushed, else its tag. */
function builtImage(
  p: ServicePlan,
  outcome: ImageOutcome,
  placement: EnginePlacement,
  opts: ExecuteOptions,
): BuiltImage {
  const tag = p.tag as ImageRef;
  const { digest } = outcome;
  if ((opts.push || p.producer.reproducible) && digest === undefined)
    throw new InternalError(`no digest recorded for ${p.name}`);
  // An image the tool writes is loaded into the first engine; others stay where they were built.
  const holder =
    opts.pool.several && !opts.push
      ? p.producer.engineUse === 'image'
        ? placement.holderOf(p.name, tag)
        : opts.pool.key
      : undefined;
  return {
    dockerImage: (opts.push ? `${tag.slice(0, tag.lastIndexOf(':'))}@${digest}` : tag) as ImageRef,
    buildKey: p.key as NonNullable<ServicePlan['key']>,
    reproducible: p.producer.reproducible,
    ...(digest !== undefined ? { imageDigest: digest } : {}),
    ...(holder !== undefined ? { engine: holder.id } : {}),
  };
}
