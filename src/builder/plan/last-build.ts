import { canonicalJson } from '../../core/canonical-json.js';
import type { BuildKeyInputs } from './build-key.js';
import { serviceInputsFile } from '../state/build-layout.js';
import { readStamp, writeStamp } from '../state/stamp-file.js';

/** What the base dir remembers of a service's last build: its inputs, and what was derived from them. */
export interface LastBuild {
  /** The commit built: what `inputs.source` and `baseImageRefs` were read at (absent in older records). */
  commit?: string;
  inputs: BuildKeyInputs;
  /** The build type's base images for these inputs: derived from files at `commit`, so cacheable. */
  baseImageRefs: string[];
  /** canonical JSON of the build config's `images` map the refs were derived with */
  imagesMap: string;
  buildKey: string;
}

export async function readLastBuild(baseDir: string, service: string): Promise<LastBuild | undefined> {
  return await readStamp<LastBuild>(serviceInputsFile(baseDir, service));
}

/**
 * Remembers a build's inputs once its image exists (for `--dry-run`'s "what changed" and the
 * no-spawn path of the next build); an unchanged record is not written again.
 */
export async function recordLastBuild(
  baseDir: string,
  service: string,
  record: LastBuild,
  previous: LastBuild | undefined,
): Promise<void> {
  if (previous !== undefined && canonicalJson(previous) === canonicalJson(record)) return;
  await writeStamp(serviceInputsFile(baseDir, service), record);
}
