import { canonicalJson } from '../../core/canonical-json.js';
import type { BuildKey, ImageRef } from '../../inputs/types.js';
import type { ImageProducer } from '../producers/image-producer.js';
import { readFileAtCommit } from '../sources/read-file-at-commit.js';
import type { ResolvedSource } from '../sources/source-request.js';
import { computeBuildKey, type BuildKeyInputs } from './build-key.js';
import { decideAction } from './decide-action.js';
import { readLastBuild, type LastBuild } from './last-build.js';
import type { BuildableService, ServicePlan } from './service-plan.js';

export interface PlanServiceOptions {
  baseDir: string;
  repositoryPrefix: string;
  images: Readonly<Record<string, string>>;
  noCache: boolean;
  /** A dry run changes nothing: base images are looked up, never pulled. */
  dryRun: boolean;
}

/** A service whose base images are named, before they are resolved: the first half of its plan. */
export interface NamedBases {
  service: BuildableService;
  sources: { main: ResolvedSource; extra: Readonly<Record<string, ResolvedSource>> };
  producer: ImageProducer;
  previous: LastBuild | undefined;
  /** The build-key inputs but the base images. */
  partial: Omit<BuildKeyInputs, 'baseImages'>;
  /** The base images as the build type names them. */
  baseImageRefs: string[];
}

/**
 * One service's plan: its build key and tag (docs/caching.md#build-keys), then its action.
 * Both halves in one; `planBuild` runs the first half of every service before the second, so
 * that every missing base image can be named at once in between.
 */
export async function planService(
  s: BuildableService,
  sources: NamedBases['sources'],
  producer: ImageProducer,
  opts: PlanServiceOptions,
): Promise<ServicePlan> {
  return await finishPlan(await nameBases(s, sources, producer, opts), opts);
}

/**
 * The first half of a plan: the build-key inputs but the base images, and the base images the
 * build type names. On a repeated build the base images named by the files at an unchanged
 * commit come from the last-build record, so the no-op path spawns no git process.
 */
export async function nameBases(
  s: BuildableService,
  sources: NamedBases['sources'],
  producer: ImageProducer,
  opts: PlanServiceOptions,
): Promise<NamedBases> {
  const build = s.service;
  const previous = await readLastBuild(opts.baseDir, s.name);
  const { main: source, extra } = sources;
  const partial = {
    stepVersion: build.stepVersion,
    buildType: build.buildType,
    commit: source.commit,
    serviceFields: build.keyFields,
    extraCommits: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v.commit])),
    ...producer.keyExtras,
  };
  const imagesMap = canonicalJson(opts.images);
  const reusable =
    previous !== undefined &&
    previous.imagesMap === imagesMap &&
    canonicalJson({ ...previous.inputs, baseImages: undefined }) === canonicalJson(partial);
  const baseImageRefs = reusable
    ? previous.baseImageRefs
    : await build.baseImages({
        commit: source.commit,
        readFile: (path) => readFileAtCommit(source.clonePath, source.commit, path),
        images: opts.images,
      });
  return { service: s, sources, producer, previous, partial, baseImageRefs };
}

/** The second half: the base images resolved, the key and tag, and the action with its reason. */
export async function finishPlan(named: NamedBases, opts: PlanServiceOptions): Promise<ServicePlan> {
  const { service: s, producer, previous, partial, baseImageRefs } = named;
  const { main: source, extra } = named.sources;
  const { bases, unknown } = await producer.resolveBases(s.name, baseImageRefs, opts.dryRun);
  const inputs: BuildKeyInputs = {
    ...partial,
    baseImages: Object.fromEntries(bases.map((b) => [b.ref, b.digest])),
  };
  const key: BuildKey | undefined = unknown === undefined ? computeBuildKey(inputs) : undefined;
  const tag = key !== undefined ? (`${opts.repositoryPrefix}${s.name}:SVC-${key}` as ImageRef) : undefined;
  const keyed = {
    name: s.name,
    inputs,
    tag,
    previous,
    ...(unknown !== undefined ? { unknownKey: unknown } : {}),
  };
  const decision = await decideAction(keyed, producer, opts.noCache);
  return { ...keyed, build: s.service, source, extra, baseImageRefs, bases, key, producer, ...decision };
}
