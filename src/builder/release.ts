import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { toolInfo } from '../core/tool-info.js';
import type { BuildKey, ClusterSpec, Digest, ImageRef } from '../inputs/types.js';

export interface BuiltImage {
  dockerImage: ImageRef;
  buildKey: BuildKey;
  /** Built on several engines without --push: the engine that holds the image. */
  engine?: string;
  /** Whether the tool wrote the image itself, so the same inputs give this digest anywhere. */
  reproducible: boolean;
  /** The image's manifest digest, when known (always for reproducible images). */
  imageDigest?: Digest;
}

/**
 * The release (docs/reference/release.md): the input spec (credentials already stripped by the
 * loader), plus each repository's `exactSource` and each built service's `dockerImage`,
 * `buildKey`, `reproducible` and (when known) `imageDigest` (and `engine`, for an image left on
 * one of several engines), plus the `release` block. The build config is never part of it.
 */
export function composeRelease(
  spec: ClusterSpec,
  exactSources: ReadonlyMap<string, string>,
  images: ReadonlyMap<string, BuiltImage>,
  createdAt: Date,
): Record<string, unknown> {
  const build = structuredClone(spec.rawBuild);
  const entries = Array.isArray(build['repositories'])
    ? (build['repositories'] as Record<string, unknown>[])
    : [];
  for (const repo of spec.repositories) {
    const entry = entries[repo.index];
    if (entry === undefined) continue;
    const exact = exactSources.get(repo.name);
    if (exact !== undefined) entry['exactSource'] = exact;
    const image = images.get(repo.name);
    if (image !== undefined && typeof entry['service'] === 'object' && entry['service'] !== null) {
      const service = entry['service'] as Record<string, unknown>;
      service['dockerImage'] = image.dockerImage;
      service['buildKey'] = image.buildKey;
      service['reproducible'] = image.reproducible;
      if (image.imageDigest !== undefined) service['imageDigest'] = image.imageDigest;
      else delete service['imageDigest'];
      // A spec that is itself a release may name an engine; only this build's placement counts.
      if (image.engine !== undefined) service['engine'] = image.engine;
      else delete service['engine'];
    }
  }
  return {
    build,
    deploy: spec.deploy,
    release: { tool: { name: toolInfo.name, version: toolInfo.version }, createdAt: createdAt.toISOString() },
  };
}

export async function writeRelease(file: string, release: Record<string, unknown>): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(release, null, 2) + '\n');
}

/**
 * With `--target-service`, the services left out keep what the previous release at the same
 * path recorded for them, when their source is still at the same commit: building one service
 * must not strip the others' images from the release. Anything unreadable is ignored.
 */
export async function carriedOverImages(
  releasePath: string,
  exactSources: ReadonlyMap<string, string>,
  skip: ReadonlySet<string>,
): Promise<Map<string, BuiltImage>> {
  const carried = new Map<string, BuiltImage>();
  for (const r of await readReleasedServices(releasePath)) {
    if (skip.has(r.name) || r.exactSource !== exactSources.get(r.name)) continue;
    const { dockerImage, buildKey, engine, reproducible, imageDigest } = r.service;
    if (typeof dockerImage !== 'string' || typeof buildKey !== 'string') continue;
    carried.set(r.name, {
      dockerImage: dockerImage as ImageRef,
      buildKey: buildKey as BuildKey,
      reproducible: reproducible === true,
      ...(typeof imageDigest === 'string' ? { imageDigest: imageDigest as Digest } : {}),
      ...(typeof engine === 'string' ? { engine } : {}),
    });
  }
  return carried;
}

/** A service entry of a release file as written: name, exactSource and service fields. */
export interface ReleasedService {
  name: string;
  exactSource: unknown;
  service: Record<string, unknown>;
}

/** The services of the release at `releasePath`; none when it is missing or unreadable. */
export async function readReleasedServices(releasePath: string): Promise<ReleasedService[]> {
  let old: unknown;
  try {
    old = JSON.parse(await readFile(releasePath, 'utf8'));
  } catch {
    return [];
  }
  const repos = (old as { build?: { repositories?: unknown } })?.build?.repositories;
  if (!Array.isArray(repos)) return [];
  const out: ReleasedService[] = [];
  for (const r of repos as Array<Record<string, unknown> | null>) {
    const name = r?.['name'];
    const service = r?.['service'];
    if (typeof name !== 'string' || typeof service !== 'object' || service === null) continue;
    out.push({ name, exactSource: r?.['exactSource'], service: service as Record<string, unknown> });
  }
  return out;
}
