import { getSystemErrorMap } from 'node:util';
import { UserError } from './user-error.js';

/**
 * The operating system's words for a failed system call, as `mkdir` or `ls` print them ("not
 * a directory", "operation not permitted"), or undefined when `e` did not come from one.
 */
export function systemErrorText(e: unknown): string | undefined {
  const errno = (e as NodeJS.ErrnoException | null)?.errno;
  return typeof errno === 'number' ? getSystemErrorMap().get(errno)?.[1] : undefined;
}

/**
 * A failed system call on a path the user named, as an error naming it and what failed
 * (`/proc/x/out: cannot make the output directory: no such file or directory (/proc/x)`), with
 * `at`, the path the call failed on, where that is another; anything else thrown (a UserError,
 * an interruption, a bug) as it was.
 */
export function pathError(file: string, what: string, e: unknown, at?: string): unknown {
  const text = systemErrorText(e);
  if (text === undefined) return e;
  return new UserError(
    { file, message: `${what}: ${text}${at !== undefined ? ` (${at})` : ''}` },
    { cause: e },
  );
}
