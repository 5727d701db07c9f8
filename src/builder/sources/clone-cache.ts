import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { exists, tempSiblingPath } from '../../core/atomic-fs.js';
import { makeDirectory } from '../../core/make-directory.js';
import type { UrlCredentials } from '../../inputs/types.js';
import type { CommitIndex } from './commit-index.js';
import { GitRemoteError } from './git-remote-error.js';
import { classifyGitFailure, lastGitLine, runGit } from './run-git.js';

export interface CloneTarget {
  clonePath: string;
  /** What git is given: the credential-free URL, or the absolute path of a local source. */
  remote: string;
  credentials?: UrlCredentials;
  signal?: AbortSignal;
  /** Told when a damaged clone is deleted to be cloned again, with git's complaint. */
  onRecover?: (detail: string) => void;
}

/** Every branch and tag, force-updated and pruned, so force-pushes and deletions are mirrored. */
const REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

export interface EnsureResult {
  /** Whether a fetch or clone talked to the remote. */
  network: boolean;
  /** Wanted commits the remote does not have (e.g. removed by a force-push). */
  missing: string[];
}

/**
 * Makes sure the commits in `commits` are in the cached clone of `target.remote`, fetching
 * only if one is missing, and records those present in `index`. A clone that git cannot read
 * is deleted and cloned again, once.
 */
export async function ensureCommits(
  target: CloneTarget,
  commits: readonly string[],
  index: CommitIndex,
): Promise<EnsureResult> {
  let result: EnsureResult;
  try {
    result = await ensureOnce(target, commits);
  } catch (e) {
    if (!(e instanceof GitRemoteError && e.kind === 'local')) throw e;
    target.onRecover?.(e.detail);
    index.forget(target.clonePath);
    await index.save();
    await rm(target.clonePath, { recursive: true, force: true });
    result = await ensureOnce(target, commits);
  }
  index.add(
    target.clonePath,
    commits.filter((c) => !result.missing.includes(c)),
  );
  return result;
}

async function ensureOnce(target: CloneTarget, commits: readonly string[]): Promise<EnsureResult> {
  const { clonePath } = target;
  if (!(await exists(join(clonePath, 'HEAD'))))
    return { network: true, missing: await freshClone(target, commits) };
  let missing = await missingCommits(clonePath, commits, target.signal);
  if (missing.length === 0) return { network: false, missing };
  await fetch(clonePath, target, REFSPECS);
  missing = await missingCommits(clonePath, missing, target.signal);
  return { network: true, missing: await fetchByCommit(clonePath, target, missing) };
}

/**
 * The first clone is made in a temporary sibling and renamed into place only when complete,
 * so a kill mid-clone never leaves a half clone that looks valid.
 */
async function freshClone(target: CloneTarget, commits: readonly string[]): Promise<string[]> {
  const { clonePath } = target;
  makeDirectory(dirname(clonePath));
  await removeLeftovers(clonePath);
  const tmp = tempSiblingPath(clonePath);
  try {
    await git(['init', '-q', '--bare', tmp], target);
    await fetch(tmp, target, REFSPECS);
    const missing = await fetchByCommit(tmp, target, await missingCommits(tmp, commits, target.signal));
    await rename(tmp, clonePath);
    return missing;
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

/**
 * Automatic gc may repack, but never prunes: a commit that a force-push made unreachable stays
 * in the clone, so the commit index, which says it is there, stays true.
 */
const KEEP_OBJECTS = ['-c', 'gc.pruneExpire=never'];

async function fetch(repo: string, target: CloneTarget, refspecs: readonly string[]): Promise<void> {
  await git(
    [...KEEP_OBJECTS, 'fetch', '-q', '--prune', '--no-write-fetch-head', target.remote, ...refspecs],
    target,
    repo,
  );
}

/**
 * Commits that no branch or tag reaches any more (e.g. a full SHA from before a force-push)
 * can still be fetched by id from servers that allow it (protocol v2 does by default).
 * Returns those the remote does not have.
 */
async function fetchByCommit(
  repo: string,
  target: CloneTarget,
  missing: readonly string[],
): Promise<string[]> {
  if (missing.length === 0) return [];
  for (const commit of missing) {
    try {
      await git(
        [...KEEP_OBJECTS, 'fetch', '-q', '--no-write-fetch-head', target.remote, commit],
        target,
        repo,
      );
    } catch (e) {
      // "not our ref": the remote was reachable a moment ago, so this commit is just absent.
      if (!(e instanceof GitRemoteError && e.kind === 'local')) throw e;
    }
  }
  return await missingCommits(repo, missing, target.signal);
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
