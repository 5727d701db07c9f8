import { canonicalJson } from '../core/canonical-json.js';
import type { BuildKey, ImageRef, RegistryCredentials, ServiceRepository } from '../inputs/types.js';
import type { BuildTypeHandler } from './image/build-type.js';
import type { DockerEngine } from './image/docker-engine.js';
import { resolveBaseImageDigests, type BaseImageDigest } from './image/resolve-base-image-digests.js';
import { resolveAppBaseImage, type AppBaseContext } from './app-base-images.js';
import { isUserError } from '../core/user-error.js';
import { headManifest } from './registry/head-manifest.js';
import { readFileAtCommit } from './source/read-file-at-commit.js';
import type { ResolvedSource } from './source/source-request.js';
import { computeBuildKey, type BuildKeyInputs } from './stamp/build-key.js';
import { serviceKeyFields } from './stamp/service-key-fields.js';
import { readStamp } from './stamp/stamp-file.js';
import { serviceInputsFile } from './build-layout.js';

/** What the base dir remembers of a service's last build: its inputs, and what was derived from them. */
export interface LastBuild {
  inputs: BuildKeyInputs;
  /** The handler's base images for these inputs: derived from files at the commit, so cacheable. */
  baseImageRefs: string[];
  /** canonical JSON of the build config's `images` map the refs were derived with */
  imagesMap: string;
  buildKey: string;
}

export interface PreparedService {
  repo: ServiceRepository;
  handler: BuildTypeHandler;
  source: ResolvedSource;
  extra: Record<string, ResolvedSource>;
  inputs: BuildKeyInputs;
  baseImageRefs: string[];
  /** Undefined only in a dry run whose base images are neither local nor in their registry. */
  key: BuildKey | undefined;
  tag: ImageRef | undefined;
  previous: LastBuild | undefined;
  /** Why the key could not be computed (dry run only). */
  unknownKeyReason?: string;
  /** For a build type whose image the tool writes: where each base image comes from. */
  bases?: BaseImageDigest[];
}

export interface PrepareOptions {
  baseDir: string;
  repositoryPrefix: string;
  images: Record<string, string>;
  engine: DockerEngine;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  /** A dry run never pulls: it asks the registry for a missing base image's digest instead. */
  dryRun: boolean;
  signal: AbortSignal;
  /** Base image lookups of the build types whose images the tool writes (no pulls, no daemon needed). */
  appBases: AppBaseContext;
}

/**
 * Computes a service's build key and image tag (docs/caching.md#build-keys). On a repeated build the base
 * images named by the files at an unchanged commit come from the last-build record, so the
 * no-op path spawns no git process.
 */
export async function prepareService(
  repo: ServiceRepository,
  handler: BuildTypeHandler,
  source: ResolvedSource,
  extra: Record<string, ResolvedSource>,
  opts: PrepareOptions,
): Promise<PreparedService> {
  const previous = await readStamp<LastBuild>(serviceInputsFile(opts.baseDir, repo.name));
  const partial = {
    stepVersion: handler.stepVersion,
    buildType: repo.service.buildType,
    commit: source.commit,
    serviceFields: serviceKeyFields(repo.service),
    extraCommits: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v.commit])),
    // The same base index gives another image on another architecture.
    ...(handler.kind === 'app' ? { platform: platformName(opts.appBases.platform) } : {}),
  };
  const imagesMap = canonicalJson(opts.images);
  const reusable =
    previous !== undefined &&
    previous.imagesMap === imagesMap &&
    canonicalJson({ ...previous.inputs, baseImages: undefined }) === canonicalJson(partial);
  const baseImageRefs = reusable
    ? previous.baseImageRefs
    : await handler.baseImages({
        service: repo,
        commit: source.commit,
        readFile: (path) => readFileAtCommit(source.clonePath, source.commit, path),
        images: opts.images,
      });

  const baseImages: Record<string, string> = {};
  let unknownKeyReason: string | undefined;
  let bases: BaseImageDigest[] | undefined;
  if (handler.kind === 'app') {
    bases = [];
    for (const ref of baseImageRefs) {
      try {
        bases.push(await resolveAppBaseImage(repo.name, ref, opts.appBases));
      } catch (e) {
        if (!opts.dryRun || !isUserError(e)) throw e;
        unknownKeyReason ??= e.problems[0]?.message ?? e.message;
      }
    }
    for (const b of bases) baseImages[b.ref] = b.digest;
  } else if (opts.dryRun) {
    for (const ref of baseImageRefs) {
      const digest = await dryRunDigest(ref, opts);
      if (digest === undefined) unknownKeyReason ??= `base image ${ref} is neither local nor in its registry`;
      else baseImages[ref] = digest;
    }
  } else {
    const digests = await resolveBaseImageDigests(
      repo.name,
      baseImageRefs,
      opts.engine,
      opts.authFor,
      opts.signal,
    );
    for (const d of digests) baseImages[d.ref] = d.digest;
  }
  const inputs: BuildKeyInputs = { ...partial, baseImages };
  const key = unknownKeyReason === undefined ? computeBuildKey(inputs) : undefined;
  return {
    repo,
    handler,
    source,
    extra,
    inputs,
    baseImageRefs,
    key,
    tag: key !== undefined ? (`${opts.repositoryPrefix}${repo.name}:SVC-${key}` as ImageRef) : undefined,
    previous,
    ...(unknownKeyReason !== undefined ? { unknownKeyReason } : {}),
    ...(bases !== undefined ? { bases } : {}),
  };
}

function platformName(p: { os: string; architecture: string; variant?: string }): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

async function dryRunDigest(ref: string, opts: PrepareOptions): Promise<string | undefined> {
  const info = await opts.engine.imageInfo(ref);
  if (info !== undefined) {
    const [digest] = await resolveBaseImageDigests('', [ref], opts.engine, opts.authFor, opts.signal);
    return digest?.digest;
  }
  try {
    return await headManifest(ref, await opts.authFor(ref), { signal: opts.signal, retries: 0 });
  } catch {
    return undefined;
  }
}
