import { damagedClone } from './read-file-at-commit.js';
import { lastGitLine, runGit } from './run-git.js';

/**
 * The committer time of `commit` in seconds since 1970: the SOURCE_DATE_EPOCH of an image
 * made from it. Stored in the commit object, so every clone at any time in any time zone
 * gives the same number.
 */
export async function commitTime(clonePath: string, commit: string): Promise<number> {
  const res = await runGit(['show', '-s', '--format=%ct', commit], { cwd: clonePath });
  const seconds = Number(res.stdout.trim());
  if (res.code !== 0 || !Number.isInteger(seconds)) throw damagedClone(clonePath, lastGitLine(res.stderr));
  return seconds;
}
