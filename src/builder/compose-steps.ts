import type { Emit } from '../core/events.js';
import type { Digest, RegistryCredentials } from '../inputs/types.js';
import type { AppBaseSources } from './app-base-images.js';
import { appServiceSteps } from './app-image-steps.js';
import type { Decision } from './decide-action.js';
import { EnginePlacement } from './engine-placement.js';
import { writeEngineRecord, type EngineRecord } from './engine-records.js';
import type { Step } from './graph/step.js';
import type { EnginePool } from './image/engine-pool.js';
import type { ImageLocator } from './image/image-locator.js';
import type { OciLayout } from './oci/oci-layout.js';
import type { PreparedService } from './prepare-service.js';
import { readReleasedServices } from './release.js';
import { serviceSteps } from './service-steps.js';

/** What of the build's options the steps need. */
export interface ComposeOptions {
  baseDir: string;
  /** The build config's `images` map. */
  images: Record<string, string>;
  noCache: boolean;
  push: boolean;
  /** Where the release goes; the previous one there gives each service a cache image. */
  releasePath?: string | undefined;
  emit: Emit;
}

export interface ComposeContext {
  opts: ComposeOptions;
  pool: EnginePool;
  locator: ImageLocator;
  /** With several engines: where each service's image was last built or pulled. */
  records: ReadonlyMap<string, EngineRecord>;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  engineUnreachable(): Promise<string | undefined>;
  layout: OciLayout;
  bases: AppBaseSources;
  /** Receives each service's image digest (pushed, or written by the tool). */
  digest(service: string, digest: Digest): void;
}

/**
 * The graph steps of every service for its decision, placed on the engine pool: an image the
 * daemon builds (`docker`) takes an engine for its build and is pushed from it; an image the
 * tool writes (`node`, `heroku-buildpack`) takes one only for its build step's code steps, is
 * pushed from the base dir and loaded into the first engine. `holderOf` names, afterwards, the
 * engine that holds a service's image.
 */
export async function composeSteps(
  prepared: readonly PreparedService[],
  decisions: readonly Decision[],
  c: ComposeContext,
): Promise<{ steps: Step[]; holderOf(service: string, tag: string): { id: string } | undefined }> {
  const { opts } = c;
  const placement = new EnginePlacement({
    pool: c.pool,
    locator: c.locator,
    emit: opts.emit,
    authFor: c.authFor,
    cacheImages: await cacheImages(opts, decisions),
    lastEngines: new Map([...c.records].map(([service, r]) => [service, r.engine])),
    record: (service, image, engine) => writeEngineRecord(opts.baseDir, service, { image, engine }),
  });
  const stepOptions = {
    baseDir: opts.baseDir,
    images: opts.images,
    noCache: opts.noCache,
    push: opts.push,
    authFor: c.authFor,
  };
  const steps = prepared.flatMap((p, i) =>
    p.handler.kind === 'app'
      ? placement.place(p, decisions[i] as Decision, 'code-steps', (decision, stepEngine, emit) =>
          appServiceSteps(p, decision, {
            ...stepOptions,
            emit,
            engine: stepEngine,
            daemon: c.pool.key.client,
            engineUnreachable: c.engineUnreachable,
            layout: c.layout,
            bases: c.bases,
            imageDigest: c.digest,
          }),
        )
      : placement.place(p, decisions[i] as Decision, 'image', (decision, stepEngine, emit) =>
          serviceSteps(p, decision, {
            ...stepOptions,
            emit,
            engine: stepEngine,
            pushed: c.digest,
          }),
        ),
  );
  return { steps, holderOf: (service, tag) => placement.holderOf(service, tag) };
}

/**
 * The image the previous release at the output path gives each service that is to be built:
 * its layers are a cache a fresh engine can pull instead of rebuilding them.
 */
async function cacheImages(
  opts: ComposeOptions,
  decisions: readonly Decision[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (opts.noCache || opts.releasePath === undefined || !decisions.some((d) => d.action === 'build'))
    return out;
  for (const r of await readReleasedServices(opts.releasePath)) {
    const image = r.service['dockerImage'];
    if (typeof image === 'string') out.set(r.name, image);
  }
  return out;
}
