import { formatPath, type Problem } from '../../core/problem.js';
import { isUserError, UserError } from '../../core/user-error.js';
import type { NamedBases } from './plan-service.js';

/** Where the services are written, for error messages: `build.yml` and the line of a path in it. */
export interface ServicesWhere {
  file: string;
  lineOf?: (path: ReadonlyArray<string | number>) => number | undefined;
}

/** The spec's build.yml and its line lookup, as problems name them. */
export function servicesWhere(spec: {
  files: { build: string };
  buildLineOf?: ServicesWhere['lineOf'];
}): ServicesWhere {
  return { file: spec.files.build, ...(spec.buildLineOf !== undefined && { lineOf: spec.buildLineOf }) };
}

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

/** Where a service's entry is: `build.yml:12: repositories[2].service`. */
function serviceEntry(index: number, where: ServicesWhere): Pick<Problem, 'file' | 'line' | 'path'> {
  const path = ['repositories', index, 'service'];
  const line = where.lineOf?.(path);
  return { file: where.file, ...(line !== undefined && { line }), path: formatPath(path) };
}

/**
 * A build type's problem with a service that names no file of its own (its fields, its images,
 * a lock file it lacks), as one of the service's entry in build.yml.
 */
export function inServiceEntry(p: Problem, index: number, where: ServicesWhere): Problem {
  return p.file === undefined && p.path === undefined ? { ...serviceEntry(index, where), ...p } : p;
}

/** `e` with its problems placed by inServiceEntry, when it is a UserError. */
export function locatedInServiceEntry(e: unknown, index: number, where: ServicesWhere): unknown {
  if (!isUserError(e)) return e;
  const problems = e.problems.map((p) => inServiceEntry(p, index, where));
  return new UserError(problems, { exitCode: e.exitCode, details: e.details, cause: e });
}

function problem(s: NamedBases, ref: string, reason: string, where: ServicesWhere): Problem {
  return {
    ...serviceEntry(s.service.index, where),
    message: `service "${s.service.name}" needs the base image ${ref}, which ${reason}`,
    hint: 'load or push it, or map it to an image you have with images: in the build config',
  };
}
