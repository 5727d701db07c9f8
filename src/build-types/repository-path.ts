import { posix } from 'node:path';

/**
 * Paths of a repository written in build.yml (`context`, `dockerfile`): relative, inside the
 * repository, spelled in any of the ways people write them (`./app/`, `app`, `app//x`).
 */

/** Whether `p` stays inside the repository: no leading `/`, no `..`. */
export function isInsideRepository(p: string): boolean {
  return !p.startsWith('/') && !p.split(/[/\\]/).includes('..');
}

/** A folder of the repository as one spelling: `./app/` -> `app`; the root is ''. */
export function repositoryFolder(p: string): string {
  const normal = posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
  return normal === '.' ? '' : normal;
}

/** The same, with the root spelled `.`: the form a build key holds. */
export function normalisePath(p: string | undefined): string {
  return repositoryFolder(p ?? '') || '.';
}

/** The schema of a `context` field. */
export const contextField = { type: 'string', minLength: 1, errorText: 'must not be empty' };

export const OUTSIDE_REPOSITORY = 'must be a relative path inside the repository (no leading "/", no "..")';
