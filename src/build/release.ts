import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { toolInfo } from '../core/tool-info.js';
import type { BuildKey, ClusterSpec, ImageRef } from '../spec/types.js';

export interface BuiltImage {
  dockerImage: ImageRef;
  buildKey: BuildKey;
}

/**
 * The release (docs/reference/release.md): the input spec (credentials already stripped by the loader),
 * plus each repository's `exactSource` and each built service's `dockerImage` and `buildKey`,
 * plus the `release` block. The build config is never part of it.
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
  let old: unknown;
  try {
    old = JSON.parse(await readFile(releasePath, 'utf8'));
  } catch {
    return carried;
  }
  const repos = (old as { build?: { repositories?: unknown } })?.build?.repositories;
  if (!Array.isArray(repos)) return carried;
  for (const r of repos as Array<Record<string, unknown>>) {
    const name = r['name'];
    const service = r['service'] as Record<string, unknown> | undefined;
    if (typeof name !== 'string' || skip.has(name) || typeof service !== 'object' || service === null)
      continue;
    const { dockerImage, buildKey } = service;
    if (typeof dockerImage !== 'string' || typeof buildKey !== 'string') continue;
    if (r['exactSource'] !== exactSources.get(name)) continue;
    carried.set(name, { dockerImage: dockerImage as ImageRef, buildKey: buildKey as BuildKey });
  }
  return carried;
}
