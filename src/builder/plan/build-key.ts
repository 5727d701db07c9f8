import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import type { BuildKey } from '../../inputs/types.js';

/**
 * Everything that can change a service's image (docs/caching.md#build-keys), and nothing else: no time,
 * no base dir path, no credential. Also the record `--dry-run` compares with the last build.
 */
export interface BuildKeyInputs {
  /** Version of the code that builds this build type; bump it when its output changes. */
  stepVersion: string;
  buildType: string;
  /** The source's exact commit, unless the build type says what of it counts (`source`). */
  commit?: string;
  /**
   * In place of the commit, what of the repository the image is made of (`ServiceBuild.sourceKey`:
   * git object ids by path), so a commit that changes none of it gives the same key.
   */
  source?: Record<string, string>;
  /** The service's build fields, normalised (see serviceKeyFields), without credentials. */
  serviceFields: Record<string, unknown>;
  /** Each base image as named -> its registry digest, or its image ID when only local. */
  baseImages: Record<string, string>;
  /** Other pinned sources, e.g. `{buildpack: <sha>}`. */
  extraCommits: Record<string, string>;
  /** `linux/amd64`: the platform an image the tool writes is made for (absent for `docker`). */
  platform?: string;
}

/** 32 hex characters (128 bits) of sha256: collision-safe and short enough for a tag. */
export function computeBuildKey(inputs: BuildKeyInputs): BuildKey {
  const canonical = canonicalJson({
    stepVersion: inputs.stepVersion,
    buildType: inputs.buildType,
    commit: inputs.commit,
    source: inputs.source,
    serviceFields: inputs.serviceFields,
    baseImages: inputs.baseImages,
    extraCommits: inputs.extraCommits,
    // Absent keys are left out of canonical JSON: keys without them stay as they were.
    platform: inputs.platform,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32) as BuildKey;
}
