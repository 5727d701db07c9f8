import { formatPath, type Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';

/** The base images one service's Dockerfile reads (after the `images` map). */
export interface ServiceBaseImages {
  service: string;
  /** Its index in `build.repositories`, for error paths. */
  index: number;
  /** The Dockerfile's path, as the service names it. */
  dockerfile: string;
  images: readonly string[];
}

/**
 * Looks up every base image of every service once (in parallel) before any build starts, and
 * names all that are missing in one error, each with the services and Dockerfiles that need it,
 * instead of failing one build at a time. What "present" means (on the engine, or pullable from
 * its registry with our credentials) is the caller's lookup.
 */
export async function checkBaseImages(
  services: readonly ServiceBaseImages[],
  present: (ref: string) => Promise<boolean>,
): Promise<void> {
  const refs = [...new Set(services.flatMap((s) => s.images))];
  const found = new Map(await Promise.all(refs.map(async (ref) => [ref, await present(ref)] as const)));
  const problems: Problem[] = [];
  for (const s of services) {
    for (const ref of s.images) {
      if (found.get(ref)) continue;
      problems.push({
        path: formatPath(['repositories', s.index, 'service']),
        message: `service "${s.service}": ${s.dockerfile} needs the base image ${ref}, which is neither on the engine nor in its registry`,
        hint: 'load or push it, or map it to an image you have with images: in the build config',
      });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}
