import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { toolInfo } from '../core/tool-info.js';
import { isPlainObject } from './is-plain-object.js';
import type {
  BuildSection,
  BuiltImage,
  ClusterSpec,
  ReleaseInfo,
  RepositoryEntry,
  ServiceEntry,
  ServiceSpec,
} from './types.js';

/**
 * A release (docs/reference/release.md): the spec it was built from (credentials already
 * stripped by the loader), with each repository's `exactSource`, each built service's image
 * (`dockerImage`, `buildKey`, `reproducible`, and when known `imageDigest` and `engine`) and the
 * `release` block. Build writes it; deploy reads it as the spec it is (`loadClusterSpec`), and
 * build reads the previous one at its output path (`readRelease`). The build config is never
 * part of it.
 */
export interface Release {
  build: BuildSection;
  deploy: unknown;
  release: ReleaseInfo;
}

/**
 * The release of `spec`: every entry as written, in its key order (so a spec that is itself a
 * release keeps its layout), with `exactSource` set and, for each service in `images`, its
 * image; fields of an older build that this one did not produce are dropped.
 */
export function composeRelease<S extends ServiceSpec>(
  spec: ClusterSpec<S>,
  exactSources: ReadonlyMap<string, string>,
  images: ReadonlyMap<string, BuiltImage>,
  createdAt: Date,
): Release {
  const repositories = spec.repositories.map((repo): RepositoryEntry => {
    const entry: RepositoryEntry = { ...structuredClone(repo.raw) };
    const exact = exactSources.get(repo.name);
    if (exact !== undefined) entry.exactSource = exact;
    const image = images.get(repo.name);
    if (image !== undefined && entry.service !== undefined) entry.service = withImage(entry.service, image);
    return entry;
  });
  return {
    build: { ...spec.rawBuild, repositories },
    deploy: spec.deploy,
    release: { tool: { name: toolInfo.name, version: toolInfo.version }, createdAt: createdAt.toISOString() },
  };
}

function withImage(service: ServiceEntry, image: BuiltImage): ServiceEntry {
  const out: ServiceEntry = {
    ...service,
    dockerImage: image.dockerImage,
    buildKey: image.buildKey,
    reproducible: image.reproducible,
  };
  if (image.imageDigest !== undefined) out.imageDigest = image.imageDigest;
  else delete out.imageDigest;
  // A spec that is itself a release may name an engine; only this build's placement counts.
  if (image.engine !== undefined) out.engine = image.engine;
  else delete out.engine;
  return out;
}

/** Written atomically: the file is the old release or the new one, never a part. */
export async function writeRelease(file: string, release: Release): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(release, null, 2) + '\n');
}

/**
 * The release at `file` as far as it can be trusted to be one: undefined when it is missing,
 * unreadable or not a release; entries without a name are left out. For what a build reuses
 * of the previous release (images to carry over, layers to build from), never for deploying.
 */
export async function readRelease(file: string): Promise<Release | undefined> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isPlainObject(doc) || !isPlainObject(doc['build']) || !Array.isArray(doc['build']['repositories']))
    return undefined;
  const repositories = (doc['build']['repositories'] as unknown[]).filter(
    (r): r is RepositoryEntry => isPlainObject(r) && typeof r['name'] === 'string',
  );
  return {
    build: { repositories },
    deploy: doc['deploy'],
    release: doc['release'] as ReleaseInfo,
  };
}

/**
 * With `--target-service`, the services left out keep what the previous release recorded for
 * them, when their source is still at the same commit: building one service must not strip
 * the others' images from the release.
 */
export function carriedOverImages(
  previous: Release,
  exactSources: ReadonlyMap<string, string>,
): Map<string, BuiltImage> {
  const carried = new Map<string, BuiltImage>();
  for (const r of previous.build.repositories) {
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
