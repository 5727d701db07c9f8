import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
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
  await mkdir(destDir, { recursive: true });
  const inv = gitInvocation(undefined, process.env);
  const git = spawn('git', [...inv.args, '-C', clonePath, 'archive', '--format=tar', treeish], {
    env: inv.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tar = spawn('tar', ['-x', '-C', destDir], { stdio: ['pipe', 'ignore', 'pipe'] });
  // If tar dies early, the pipe breaks; its exit status reports that, not an unhandled EPIPE.
  tar.stdin.on('error', () => undefined);
  git.stdout.pipe(tar.stdin);
  const gitErr = collect(git.stderr);
  const tarErr = collect(tar.stderr);
  const [gitCode, tarCode] = await Promise.all([exitCode(git), exitCode(tar)]);
  const gitDetail = lastGitLine(await gitErr);
  if (gitCode !== 0 && /not a valid object name|not a tree object|does not exist/i.test(gitDetail)) {
    throw new UserError({ message: `folder "${dir}" does not exist at commit ${commit}` });
  }
  // A git that says nothing died of the broken pipe: tar's complaint is the real one.
  if (gitCode !== 0 && gitDetail !== '') throw damagedClone(clonePath, gitDetail);
  if (tarCode !== 0) throw new Error(`tar -x into ${destDir} failed: ${lastGitLine(await tarErr)}`);
  if (gitCode !== 0) throw damagedClone(clonePath, '');
}

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    stream.on('data', (b: Buffer) => (s += b.toString('utf8')));
    stream.on('end', () => resolve(s));
  });
}

function exitCode(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}
