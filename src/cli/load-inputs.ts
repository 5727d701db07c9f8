import { isUserError, UserError } from '../core/user-error.js';

/**
 * Loads several inputs at once and reports the problems of all of them together (every
 * problem found, not just the first: docs/spec-and-config.md).
 */
export async function loadAll<T extends readonly unknown[]>(loaders: {
  [K in keyof T]: () => Promise<T[K]>;
}): Promise<T> {
  const results = await Promise.allSettled(loaders.map((load) => load()));
  const problems = results.flatMap((r) =>
    r.status === 'rejected' && isUserError(r.reason) ? r.reason.problems : [],
  );
  const other = results.find((r) => r.status === 'rejected' && !isUserError(r.reason));
  if (other !== undefined && other.status === 'rejected') throw other.reason;
  if (problems.length > 0) throw new UserError(problems);
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
