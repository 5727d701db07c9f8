import { exec, startProcess } from '../../core/exec.js';
import { makeDirectory } from '../../core/make-directory.js';
import { UserError } from '../../core/user-error.js';
import { gitInvocation } from './git-env.js';
import { damagedClone } from './read-file-at-commit.js';
import { lastGitLine } from './run-git.js';

/**
 * Writes the committed tree of `subdir` (empty or `.` for the root) at `commit` into
 * `destDir`: `git archive | tar -x`, so untracked and ignored files of any work tree never
 * reach an image, and modes and symlinks are kept. git applies the tree's own
 * `export-ignore`/`export-subst` attributes, as for any release tarball.
 */
export async function exportTree(
  clonePath: string,
  commit: string,
  subdir: string,
  destDir: string,
): Promise<void> {
  const dir = subdir.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  const treeish = dir === '' || dir === '.' ? commit : `${commit}:${dir}`;
  makeDirectory(destDir);
  const inv = gitInvocation(undefined, process.env);
  const git = await startProcess('git', [...inv.args, '-C', clonePath, 'archive', '--format=tar', treeish], {
    env: inv.env,
    stdout: 'pipe',
  });
  // If tar dies early, the pipe breaks; its exit status reports that.
  const [gitRun, tarRun] = await Promise.all([
    git.result,
    exec('tar', ['-x', '-C', destDir], { input: git.stdout as NodeJS.ReadableStream }),
  ]);
  const [gitCode, tarCode] = [gitRun.code, tarRun.code];
  const gitDetail = lastGitLine(gitRun.stderr);
  if (gitCode !== 0 && /not a valid object name|not a tree object|does not exist/i.test(gitDetail)) {
    throw new UserError({ message: `folder "${dir}" does not exist at commit ${commit}` });
  }
  // A git that says nothing died of the broken pipe: tar's complaint is the real one.
  if (gitCode !== 0 && gitDetail !== '') throw damagedClone(clonePath, gitDetail);
  // Not a bug of ours: a full disk or a work dir the user cannot write.
  if (tarCode !== 0)
    throw new UserError({ message: `tar -x into ${destDir} failed: ${lastGitLine(tarRun.stderr)}` });
  if (gitCode !== 0) throw damagedClone(clonePath, '');
}
