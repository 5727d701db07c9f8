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

/**
 * The committer time of the last commit up to `commit` that changed any of `paths`
 * (repository-relative; '' is the whole tree), from the commits' own data like `commitTime`:
 * an image made of those files only carries it, so a commit that touched none of them gives
 * the same image as a fresh build of the commit before it. No such commit: `commit`'s own time.
 */
export async function lastChangeTime(
  clonePath: string,
  commit: string,
  paths: readonly string[],
): Promise<number> {
  const pathspecs = paths.map((p) => (p === '' ? '.' : p));
  const res = await runGit(['log', '-1', '--format=%ct', commit, '--', ...pathspecs], { cwd: clonePath });
  if (res.code !== 0) throw damagedClone(clonePath, lastGitLine(res.stderr));
  const out = res.stdout.trim();
  return out === '' ? await commitTime(clonePath, commit) : Number(out);
}
