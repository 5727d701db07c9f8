import { join } from 'node:path';
import { exists } from '../../core/atomic-fs.js';
import type { Emit } from '../../core/events.js';
import type { Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { CommitSha, UrlCredentials } from '../../inputs/types.js';
import { ensureCommits } from './clone-cache.js';
import { clonePathFor, gitCacheDir } from './clone-path.js';
import { CommitIndex } from './commit-index.js';
import { GitRemoteError } from './git-remote-error.js';
import { isFullSha, lsRemotePatterns, parseLsRemote, pickRef } from './ls-remote.js';
import { classifyGitFailure, lastGitLine, runGit } from './run-git.js';
import { sourceProblem } from './source-problem.js';
import type { ResolvedSource, SourceRequest } from './source-request.js';

export interface ResolveSourcesOptions {
  baseDir: string;
  signal?: AbortSignal;
  emit: Emit;
  /** Most git processes talking to remotes at once. */
  gitConcurrency: number;
}

/** All requests that share one remote, and so one clone and at most one `ls-remote`. */
interface RemoteGroup {
  remote: string;
  clonePath: string;
  credentials?: UrlCredentials;
  requests: SourceRequest[];
}

/**
 * Resolves every source to an exact commit present in its cached clone (docs/caching.md#resolving-sources), keyed
 * by request id. Full-SHA refs already recorded in the commit index cost one file read and a
 * `stat` per clone: no network, no process. Other refs cost one `git ls-remote` per distinct
 * remote, in parallel, then a fetch only when the commit is not cached. Every failing entry is
 * reported at once, as one UserError.
 */
export async function resolveSources(
  requests: readonly SourceRequest[],
  opts: ResolveSourcesOptions,
): Promise<Map<string, ResolvedSource>> {
  const index = await CommitIndex.load(gitCacheDir(opts.baseDir));
  const groups = groupByRemote(requests, opts.baseDir);
  const results = new Map<string, ResolvedSource>();
  const problems: Problem[] = [];
  let fatal: unknown;

  const cached = await Promise.all(groups.map((g) => isFullyCached(g, index)));
  const slow: RemoteGroup[] = [];
  groups.forEach((g, i) => {
    if (cached[i] === true) {
      for (const req of g.requests) record(req, g, req.source.ref as string, false);
    } else slow.push(g);
  });

  await runLimited(slow, Math.max(1, opts.gitConcurrency), async (g) => {
    if (fatal !== undefined) return;
    try {
      await resolveGroup(g);
    } catch (e) {
      if (e instanceof GitRemoteError) problems.push(...g.requests.map((r) => sourceProblem(r, e)));
      else fatal ??= e;
    }
  });
  // Keep what was fetched, even when another remote failed: the next run starts from there.
  await index.save();
  if (fatal !== undefined) throw fatal;
  if (problems.length > 0) throw new UserError(problems);
  return results;

  async function resolveGroup(g: RemoteGroup): Promise<void> {
    const target = {
      clonePath: g.clonePath,
      remote: g.remote,
      credentials: g.credentials,
      signal: opts.signal,
      onRecover: (detail: string) =>
        opts.emit({
          kind: 'warning',
          message: `the cached clone of ${g.requests[0]?.source.url ?? g.remote} was damaged (git: ${detail}); cloning it again`,
        }),
    };
    const patterns = lsRemotePatterns(g.requests.map((r) => r.source.ref));
    const refs = patterns.length > 0 ? await lsRemote(g, patterns) : new Map<string, string>();
    const wanted = new Map<SourceRequest, string>();
    for (const req of g.requests) {
      const ref = req.source.ref;
      const sha = ref !== undefined && isFullSha(ref) ? ref : pickRef(refs, ref);
      if (sha === undefined)
        problems.push(sourceProblem(req, new GitRemoteError('unknown-ref', '', ref ?? 'HEAD')));
      else wanted.set(req, sha);
    }
    if (wanted.size === 0) return;
    const commits = [...new Set(wanted.values())];
    const known =
      commits.every((c) => index.has(g.clonePath, c)) && (await exists(join(g.clonePath, 'HEAD')));
    const { network, missing } = known
      ? { network: false, missing: [] }
      : await ensureCommits(target, commits, index);
    for (const [req, sha] of wanted) {
      if (missing.includes(sha))
        problems.push(sourceProblem(req, new GitRemoteError('missing-commit', '', sha)));
      else record(req, g, sha, network || patterns.length > 0);
    }
  }

  async function lsRemote(g: RemoteGroup, patterns: string[]): Promise<Map<string, string>> {
    const res = await runGit(['ls-remote', g.remote, ...patterns], {
      credentials: g.credentials,
      signal: opts.signal,
    });
    if (res.code !== 0) {
      const kind = classifyGitFailure(res.stderr);
      // ls-remote touches no clone, so a failure git does not explain is still the remote's.
      throw new GitRemoteError(kind === 'local' ? 'unreachable' : kind, lastGitLine(res.stderr));
    }
    return parseLsRemote(res.stdout);
  }

  function record(req: SourceRequest, g: RemoteGroup, sha: string, network: boolean): void {
    results.set(req.id, {
      commit: sha as CommitSha,
      clonePath: g.clonePath,
      exactSource: `${req.source.url}#${sha}`,
    });
    opts.emit({
      kind: 'source-resolved',
      repository: req.id,
      url: req.source.url,
      ref: req.source.ref ?? 'HEAD',
      commit: sha,
      network,
    });
  }
}

function groupByRemote(requests: readonly SourceRequest[], baseDir: string): RemoteGroup[] {
  const groups = new Map<string, RemoteGroup>();
  for (const req of requests) {
    const remote = req.source.localPath ?? req.source.url;
    let g = groups.get(remote);
    if (g === undefined) {
      g = { remote, clonePath: clonePathFor(baseDir, remote), requests: [] };
      groups.set(remote, g);
    }
    g.credentials ??= req.source.credentials;
    g.requests.push(req);
  }
  return [...groups.values()];
}

/** Every ref of the group is a full SHA that the index records and the clone is on disk. */
async function isFullyCached(g: RemoteGroup, index: CommitIndex): Promise<boolean> {
  for (const req of g.requests) {
    const ref = req.source.ref;
    if (ref === undefined || !isFullSha(ref) || !index.has(g.clonePath, ref)) return false;
  }
  return await exists(join(g.clonePath, 'HEAD'));
}

async function runLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
