/**
 * pnpm's words when its major cannot read the lock file's format (pnpm 10 and a lockfileVersion
 * 6.0 file of pnpm 8, as Gartenschlaeger/nodejs-express-template has).
 */
const LOCKFILE_BREAKING_CHANGE = /ERR_PNPM_LOCKFILE_BREAKING_CHANGE/;

/**
 * The hint of an install that failed because the image's pnpm cannot read the lock file: pnpm
 * suggests `--force`, which rewrites the lock file, while a frozen install needs a pnpm major
 * that reads it, which is a field of ours (or the project's `packageManager`).
 */
export function pnpmLockfileHint(
  image: string,
  lockFile: string,
): (lastLines: readonly string[]) => string | undefined {
  return (lastLines) =>
    lastLines.some((l) => LOCKFILE_BREAKING_CHANGE.test(l))
      ? `the pnpm in ${image} cannot read the lockfileVersion of ${lockFile} (6.x is read by pnpm 8 and 9, ` +
        '9.x by pnpm 9 and 10): give buildImage an image with a pnpm that reads it and the same Node.js ' +
        "and C library as the run image, or pin that pnpm in package.json's packageManager"
      : undefined;
}
