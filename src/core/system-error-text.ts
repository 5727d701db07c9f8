import { getSystemErrorMap } from 'node:util';

/**
 * The operating system's words for a failed system call, as `mkdir` or `ls` print them ("not
 * a directory", "operation not permitted"), or undefined when `e` did not come from one.
 */
export function systemErrorText(e: unknown): string | undefined {
  const errno = (e as NodeJS.ErrnoException | null)?.errno;
  return typeof errno === 'number' ? getSystemErrorMap().get(errno)?.[1] : undefined;
}
