import { formatPath, type Problem } from '../../core/problem.js';
import { isUserError, UserError } from '../../core/user-error.js';

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

/** Where a service's entry is: `build.yml:12: repositories[2].service`. */
export function serviceEntry(index: number, where: ServicesWhere): Pick<Problem, 'file' | 'line' | 'path'> {
  const path = ['repositories', index, 'service'];
  const line = where.lineOf?.(path);
  return { file: where.file, ...(line !== undefined && { line }), path: formatPath(path) };
}

/**
 * A build type's problem with a service that names no file of its own (its fields, its images,
 * a lock file it lacks), as one of the service's entry in build.yml.
 */
function inServiceEntry(p: Problem, index: number, where: ServicesWhere): Problem {
  return p.file === undefined && p.path === undefined ? { ...serviceEntry(index, where), ...p } : p;
}

/** `e` with its problems placed by inServiceEntry, when it is a UserError. */
export function locatedInServiceEntry(e: unknown, index: number, where: ServicesWhere): unknown {
  if (!isUserError(e)) return e;
  const problems = e.problems.map((p) => inServiceEntry(p, index, where));
  return new UserError(problems, { exitCode: e.exitCode, details: e.details, cause: e });
}
