import type { Digest, ImageRef } from '../inputs/types.js';
import { commonDecision, hasRegistry, type Decision } from './decide-action.js';
import type { DockerEngine } from './image/docker-engine.js';
import type { OciLayout } from './oci/oci-layout.js';
import type { PreparedService } from './prepare-service.js';

export interface DecideAppOptions {
  push: boolean;
  noCache: boolean;
  layout: OciLayout;
  engine: DockerEngine;
  engineUnreachable(): Promise<string | undefined>;
  head(ref: ImageRef): Promise<Digest | undefined>;
}

/**
 * The cache decision for an image the tool writes itself. Its record is the base dir's image
 * layout, not the daemon: with `--push`, the registry decides (skip when it has the tag, push
 * what the layout holds, else build) and no daemon is asked; without, an image in the layout is
 * skipped when the daemon has it and loaded when it does not (or, with no daemon at all, left in
 * the layout with a warning); an image only the registry has is pulled into the layout.
 */
export async function decideAppAction(p: PreparedService, opts: DecideAppOptions): Promise<Decision> {
  const { changed, early, why } = commonDecision(p, opts.noCache);
  if (early !== undefined || p.tag === undefined) return early ?? { action: 'build', reason: why, changed };
  const tag = p.tag;
  if (opts.push) {
    const digest = await opts.head(tag);
    if (digest !== undefined) return { action: 'skip', reason: 'already in the registry', changed, digest };
    if ((await opts.layout.findImage(tag)) !== undefined) {
      return { action: 'push', reason: 'built earlier (in the base dir), not yet in the registry', changed };
    }
    return { action: 'build', reason: why, changed };
  }
  const built = await opts.layout.findImage(tag);
  if (built !== undefined) {
    const digest = built.descriptor.digest;
    const down = await opts.engineUnreachable();
    if (down !== undefined) {
      return {
        action: 'skip',
        reason: 'built earlier (in the base dir)',
        changed,
        digest,
        warning: `service "${p.repo.name}": not loaded into a Docker daemon (${down}); the image ${tag} is in the image layout ${opts.layout.dir}`,
      };
    }
    if ((await opts.engine.imageInfo(tag))?.id === built.manifest.config.digest) {
      return { action: 'skip', reason: 'already in the local daemon', changed, digest };
    }
    return {
      action: 'load',
      reason: 'built earlier (in the base dir), not in the local daemon',
      changed,
      digest,
    };
  }
  if (hasRegistry(tag) && (await opts.head(tag).catch(() => undefined)) !== undefined) {
    return { action: 'pull', reason: 'in the registry, not in the base dir', changed };
  }
  return { action: 'build', reason: why, changed };
}
