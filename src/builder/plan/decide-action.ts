import type { ImageRef } from '../../inputs/types.js';
import type { Decision, ImageProducer } from '../producers/image-producer.js';
import type { BuildKeyInputs } from './build-key.js';
import { diffBuildKeyInputs } from './diff-build-key-inputs.js';
import type { LastBuild } from './last-build.js';

/** A service with its build key (or why it has none), and its last build. */
export interface KeyedService {
  name: string;
  inputs: BuildKeyInputs;
  tag: ImageRef | undefined;
  /** Why the key could not be computed (dry run only). */
  unknownKey?: string;
  previous: LastBuild | undefined;
}

/**
 * The action for one service, with its reason and what changed since its last build: what
 * every build decides alike (no key, `--no-cache`), then what the service's producer finds
 * (docs/caching.md): skip, pull, push, load, or build.
 */
export async function decideAction(
  s: KeyedService,
  producer: ImageProducer,
  noCache: boolean,
): Promise<Decision & { changed: string[] }> {
  const changed = s.previous !== undefined ? diffBuildKeyInputs(s.previous.inputs, s.inputs) : [];
  if (s.tag === undefined) return { action: 'build', reason: s.unknownKey ?? 'build key unknown', changed };
  if (noCache) return { action: 'build', reason: '--no-cache', changed };
  return {
    ...(await producer.decide({ name: s.name, tag: s.tag }, buildReason(s.previous, changed))),
    changed,
  };
}

function buildReason(previous: LastBuild | undefined, changed: string[]): string {
  if (previous === undefined) return 'no image for these inputs (first build in this base dir)';
  if (changed.length > 0) return `inputs changed: ${changed.join(', ')}`;
  return 'the image for these inputs is gone';
}
