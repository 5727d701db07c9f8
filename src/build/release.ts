import { writeFileAtomic } from '../core/atomic-fs.js';
import { toolInfo } from '../core/tool-info.js';
import type { BuildKey, ClusterSpec, ImageRef } from '../spec/types.js';

export interface BuiltImage {
  dockerImage: ImageRef;
  buildKey: BuildKey;
}

/**
 * The release of contract §3.7: the input spec (credentials already stripped by the loader),
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
