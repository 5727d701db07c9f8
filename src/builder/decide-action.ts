import type { PlanAction } from '../core/events.js';
import type { Digest, ImageRef } from '../inputs/types.js';
import type { DockerEngine } from './image/docker-engine.js';
import type { PreparedService } from './prepare-service.js';
import { parseImageRef } from './registry/parse-image-ref.js';
import { diffBuildKeyInputs } from './stamp/diff-build-key-inputs.js';

/** A cache decision with its reason (what `--dry-run` prints), as in Skaffold and kbld. */
export interface Decision {
  action: PlanAction;
  reason: string;
  /** Inputs that differ from the last build of this service. */
  changed: string[];
  /** With `skip` under `--push`: the digest the registry already has; for images the tool writes, their digest. */
  digest?: Digest;
  /** Something the user should know about this decision (e.g. an image not loaded into a daemon). */
  warning?: string;
}

export interface DecideOptions {
  push: boolean;
  noCache: boolean;
  engine: DockerEngine;
  /** Registry HEAD of an image tag: its digest, or undefined when absent. */
  head(ref: ImageRef): Promise<Digest | undefined>;
}

/**
 * docs/caching.md: an image whose tag is in the local daemon is not rebuilt; with `--push`, an
 * image whose tag is in the registry is neither built nor pushed. Without `--push`, an image
 * missing locally but present in the registry of `repositoryPrefix` is pulled, not rebuilt.
 */
export async function decideAction(p: PreparedService, opts: DecideOptions): Promise<Decision> {
  const { changed, early, why } = commonDecision(p, opts.noCache);
  if (early !== undefined || p.tag === undefined) return early ?? { action: 'build', reason: why, changed };
  if (opts.push) {
    const digest = await opts.head(p.tag);
    if (digest !== undefined) return { action: 'skip', reason: 'already in the registry', changed, digest };
    if (await opts.engine.imageExists(p.tag)) {
      return { action: 'push', reason: 'built earlier, not yet in the registry', changed };
    }
    return { action: 'build', reason: why, changed };
  }
  if (await opts.engine.imageExists(p.tag))
    return { action: 'skip', reason: 'already in the local daemon', changed };
  if (hasRegistry(p.tag)) {
    const digest = await opts.head(p.tag).catch(() => undefined);
    if (digest !== undefined)
      return { action: 'pull', reason: 'in the registry, not in the local daemon', changed };
  }
  return { action: 'build', reason: why, changed };
}

/** What every build type decides alike: no key, `--no-cache`; and the reason a build would have. */
export function commonDecision(
  p: PreparedService,
  noCache: boolean,
): { changed: string[]; early?: Decision; why: string } {
  const changed = p.previous !== undefined ? diffBuildKeyInputs(p.previous.inputs, p.inputs) : [];
  if (p.tag === undefined) {
    return {
      changed,
      why: '',
      early: { action: 'build', reason: p.unknownKeyReason ?? 'build key unknown', changed },
    };
  }
  const why = buildReason(p, changed);
  return { changed, why, ...(noCache ? { early: { action: 'build', reason: '--no-cache', changed } } : {}) };
}

function buildReason(p: PreparedService, changed: string[]): string {
  if (p.previous === undefined) return 'no image for these inputs (first build in this base dir)';
  if (changed.length > 0) return `inputs changed: ${changed.join(', ')}`;
  return 'the image for these inputs is gone';
}

/** An unprefixed name (`hello:SVC-…`) means Docker Hub, which a local-only build never asks. */
export function hasRegistry(tag: ImageRef): boolean {
  const first = tag.split('/')[0] ?? '';
  return (
    tag.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost') &&
    parseImageRef(tag).registry !== 'docker.io'
  );
}
