import type { Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { NamedBases } from './plan-service.js';
import { serviceEntry, type ServicesWhere } from './service-entry.js';

/**
 * Asks, once per image and in parallel, whether every base image of every service can be had,
 * before anything is pulled or built, and names all that cannot in one error, each with the
 * services that need it, instead of failing one service at a time. What "can be had" means is
 * the service's producer's (an engine-built image: on the key engine, else in its registry);
 * producers that find their base images otherwise are not asked.
 */
export async function checkBaseImages(services: readonly NamedBases[], where: ServicesWhere): Promise<void> {
  const asked = new Map<string, Promise<string | undefined>>();
  const missing = await Promise.all(
    services.map(async (s) => {
      const { missingBase } = s.producer;
      if (missingBase === undefined) return [];
      const reasons = await Promise.all(
        s.baseImageRefs.map(async (ref) => {
          if (!asked.has(ref)) asked.set(ref, missingBase.call(s.producer, ref));
          const reason = await asked.get(ref);
          return reason === undefined ? [] : [problem(s, ref, reason, where)];
        }),
      );
      return reasons.flat();
    }),
  );
  const problems = missing.flat();
  if (problems.length > 0) throw new UserError(problems);
}

function problem(s: NamedBases, ref: string, reason: string, where: ServicesWhere): Problem {
  return {
    ...serviceEntry(s.service.index, where),
    message: `service "${s.service.name}" needs the base image ${ref}, which ${reason}`,
    hint: 'load or push it, or map it to an image you have with images: in the build config',
  };
}
