import { canonicalJson } from '../../core/canonical-json.js';
import type { BuildKey, ImageRef } from '../../inputs/types.js';
import type { BaseImagesContext } from '../../build-types/build-type.js';
import type { GitTrees } from '../producers/git-trees.js';
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
  /** The committed trees of this build, each read once. */
  trees: GitTrees;
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
 * build type names. On a repeated build at an unchanged commit, what the build type derived from
 * the committed files (its base images, its source key) comes from the last-build record, so the
 * no-op path spawns no git process.
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
  const fixed = {
    stepVersion: build.stepVersion,
    buildType: build.buildType,
    serviceFields: build.keyFields,
    extraCommits: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v.commit])),
    ...producer.keyExtras,
  };
  const { baseImageRefs, fromSource } = await derivedFromFiles(build, source, fixed, previous, opts);
  return { service: s, sources, producer, previous, partial: { ...fixed, ...fromSource }, baseImageRefs };
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
    index: s.index,
    inputs,
    tag,
    previous,
    ...(unknown !== undefined ? { unknownKey: unknown } : {}),
  };
  const decision = await decideAction(keyed, producer, opts.noCache);
  return { ...keyed, build: s.service, source, extra, baseImageRefs, bases, key, producer, ...decision };
}

/**
 * What the build type reads from the committed files: its base images and what of the source
 * enters the key (the commit, or the build type's `sourceKey`). Taken from the last build when
 * it was made at the same commit with the same fields and `images` map.
 */
async function derivedFromFiles(
  build: BuildableService['service'],
  source: ResolvedSource,
  fixed: Omit<BuildKeyInputs, 'baseImages' | 'commit' | 'source'>,
  previous: LastBuild | undefined,
  opts: PlanServiceOptions,
): Promise<{ baseImageRefs: string[]; fromSource: Pick<BuildKeyInputs, 'commit' | 'source'> }> {
  const imagesMap = canonicalJson(opts.images);
  const { baseImages: _, commit: __, source: previousSource, ...previousFixed } = previous?.inputs ?? {};
  if (
    previous !== undefined &&
    (previous.commit ?? previous.inputs.commit) === source.commit &&
    previous.imagesMap === imagesMap &&
    canonicalJson(previousFixed) === canonicalJson(fixed)
  ) {
    const fromSource = previousSource !== undefined ? { source: previousSource } : { commit: source.commit };
    return { baseImageRefs: previous.baseImageRefs, fromSource };
  }
  const ctx: BaseImagesContext = {
    commit: source.commit,
    readFile: (path) => readFileAtCommit(source.clonePath, source.commit, path),
    tree: () => opts.trees.of(source),
    images: opts.images,
  };
  const [baseImageRefs, sourceKey] = await Promise.all([build.baseImages(ctx), build.sourceKey?.(ctx)]);
  const fromSource = sourceKey !== undefined ? { source: { ...sourceKey } } : { commit: source.commit };
  return { baseImageRefs, fromSource };
}
