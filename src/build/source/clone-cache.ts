import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { exists, tempSiblingPath } from '../../core/atomic-fs.js';
import type { UrlCredentials } from '../../spec/types.js';
import type { CommitIndex } from './commit-index.js';
import { GitRemoteError } from './git-remote-error.js';
import { classifyGitFailure, lastGitLine, runGit } from './run-git.js';

export interface CloneTarget {
  clonePath: string;
  /** What git is given: the credential-free URL, or the absolute path of a local source. */
  remote: string;
  credentials?: UrlCredentials;
  signal?: AbortSignal;
}

/** Every branch and tag, force-updated and pruned, so force-pushes and deletions are mirrored. */
const REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

/**
 * Makes sure every commit in `commits` is in the cached clone of `target.remote`, fetching
 * only if one is missing; records them in `index`. Returns whether the network was used.
 * A clone that git cannot read is deleted and cloned again, once.
 */
export async function ensureCommits(
  target: CloneTarget,
  commits: readonly string[],
  index: CommitIndex,
): Promise<boolean> {
  try {
    return await ensureOnce(target, commits, index);
  } catch (e) {
    if (!(e instanceof GitRemoteError && e.kind === 'local')) throw e;
    index.forget(target.clonePath);
    await index.save();
    await rm(target.clonePath, { recursive: true, force: true });
    return await ensureOnce(target, commits, index);
  }
}

async function ensureOnce(
  target: CloneTarget,
  commits: readonly string[],
  index: CommitIndex,
): Promise<boolean> {
  const { clonePath } = target;
  if (await exists(join(clonePath, 'HEAD'))) {
    let missing = await missingCommits(clonePath, commits, target.signal);
    if (missing.length > 0) {
      await fetch(clonePath, target, REFSPECS);
      missing = await missingCommits(clonePath, missing, target.signal);
      await fetchByCommit(clonePath, target, missing);
      index.add(clonePath, commits);
      return true;
    }
    index.add(clonePath, commits);
    return false;
  }
  await freshClone(target, commits);
  index.add(clonePath, commits);
  return true;
}

/**
 * The first clone is made in a temporary sibling and renamed into place only when it holds
 * every wanted commit, so a kill mid-clone never leaves a half clone that looks valid.
 */
async function freshClone(target: CloneTarget, commits: readonly string[]): Promise<void> {
  const { clonePath } = target;
  await mkdir(dirname(clonePath), { recursive: true });
  await removeLeftovers(clonePath);
  const tmp = tempSiblingPath(clonePath);
  try {
    await git(['init', '-q', '--bare', tmp], target);
    await fetch(tmp, target, REFSPECS);
    await fetchByCommit(tmp, target, await missingCommits(tmp, commits, target.signal));
    await rename(tmp, clonePath);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Temporary clones that a killed build left behind for this remote. */
async function removeLeftovers(clonePath: string): Promise<void> {
  const prefix = `.${basename(clonePath)}.tmp-`;
  const dir = dirname(clonePath);
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix)) await rm(join(dir, name), { recursive: true, force: true });
  }
  if (await exists(clonePath)) await rm(clonePath, { recursive: true, force: true });
}

async function fetch(repo: string, target: CloneTarget, refspecs: readonly string[]): Promise<void> {
  await git(['fetch', '-q', '--prune', '--no-write-fetch-head', target.remote, ...refspecs], target, repo);
}

/**
 * Commits that no branch or tag reaches any more (e.g. a full SHA from before a force-push)
 * can still be fetched by id from servers that allow it (protocol v2 does by default).
 */
async function fetchByCommit(repo: string, target: CloneTarget, missing: readonly string[]): Promise<void> {
  if (missing.length === 0) return;
  try {
    await git(['fetch', '-q', '--no-write-fetch-head', target.remote, ...missing], target, repo);
  } catch (e) {
    if (e instanceof GitRemoteError && e.kind === 'local') {
      throw new GitRemoteError('missing-commit', e.detail, missing[0]);
    }
    throw e;
  }
  const still = await missingCommits(repo, missing, target.signal);
  if (still.length > 0) throw new GitRemoteError('missing-commit', 'not in the repository', still[0]);
}

/** One `git cat-file --batch-check` for all commits: those not present as commits. */
async function missingCommits(
  repo: string,
  commits: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  if (commits.length === 0) return [];
  const res = await runGit(['cat-file', '--batch-check'], {
    cwd: repo,
    signal,
    input: commits.join('\n') + '\n',
  });
  if (res.code !== 0) throw new GitRemoteError('local', lastGitLine(res.stderr));
  const present = new Set<string>();
  for (const line of res.stdout.split('\n')) {
    const [sha, type] = line.split(' ');
    if (sha !== undefined && type === 'commit') present.add(sha);
  }
  return commits.filter((c) => !present.has(c));
}

async function git(args: readonly string[], target: CloneTarget, cwd?: string): Promise<void> {
  const res = await runGit(args, { cwd, credentials: target.credentials, signal: target.signal });
  if (res.code !== 0) throw new GitRemoteError(classifyGitFailure(res.stderr), lastGitLine(res.stderr));
}
