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
  return await new SourceResolution(index, opts).resolve(groupByRemote(requests, opts.baseDir));
}

/** One resolution of a batch: the results and problems of every group, kept together. */
class SourceResolution {
  private readonly results = new Map<string, ResolvedSource>();
  private readonly problems: Problem[] = [];
  private fatal: unknown;

  constructor(
    private readonly index: CommitIndex,
    private readonly opts: ResolveSourcesOptions,
  ) {}

  async resolve(groups: RemoteGroup[]): Promise<Map<string, ResolvedSource>> {
    const cached = await Promise.all(groups.map((g) => isFullyCached(g, this.index)));
    const slow: RemoteGroup[] = [];
    groups.forEach((g, i) => {
      if (cached[i] === true) {
        for (const req of g.requests) this.record(req, g, req.source.ref as string, false);
      } else slow.push(g);
    });
    await runLimited(slow, Math.max(1, this.opts.gitConcurrency), async (g) => {
      if (this.fatal !== undefined) return;
      try {
        await this.resolveGroup(g);
      } catch (e) {
        if (e instanceof GitRemoteError) this.problems.push(...g.requests.map((r) => sourceProblem(r, e)));
        else this.fatal ??= e;
      }
    });
    // Keep what was fetched, even when another remote failed: the next run starts from there.
    await this.index.save();
    if (this.fatal !== undefined) throw this.fatal;
    if (this.problems.length > 0) throw new UserError(this.problems);
    return this.results;
  }

  private async resolveGroup(g: RemoteGroup): Promise<void> {
    const patterns = lsRemotePatterns(g.requests.map((r) => r.source.ref));
    const refs = patterns.length > 0 ? await this.lsRemote(g, patterns) : new Map<string, string>();
    const wanted = new Map<SourceRequest, string>();
    for (const req of g.requests) {
      const ref = req.source.ref;
      const sha = ref !== undefined && isFullSha(ref) ? ref : pickRef(refs, ref);
      if (sha === undefined)
        this.problems.push(sourceProblem(req, new GitRemoteError('unknown-ref', '', ref ?? 'HEAD')));
      else wanted.set(req, sha);
    }
    if (wanted.size === 0) return;
    const commits = [...new Set(wanted.values())];
    const known =
      commits.every((c) => this.index.has(g.clonePath, c)) && (await exists(join(g.clonePath, 'HEAD')));
    const { network, missing } = known
      ? { network: false, missing: [] }
      : await ensureCommits(this.cloneTarget(g), commits, this.index);
    for (const [req, sha] of wanted) {
      if (missing.includes(sha))
        this.problems.push(sourceProblem(req, new GitRemoteError('missing-commit', '', sha)));
      else this.record(req, g, sha, network || patterns.length > 0);
    }
  }

  private cloneTarget(g: RemoteGroup) {
    return {
      clonePath: g.clonePath,
      remote: g.remote,
      credentials: g.credentials,
      signal: this.opts.signal,
      onRecover: (detail: string) =>
        this.opts.emit({
          kind: 'warning',
          message: `the cached clone of ${g.requests[0]?.source.url ?? g.remote} was damaged (git: ${detail}); cloning it again`,
        }),
    };
  }

  private async lsRemote(g: RemoteGroup, patterns: string[]): Promise<Map<string, string>> {
    const res = await runGit(['ls-remote', g.remote, ...patterns], {
      credentials: g.credentials,
      signal: this.opts.signal,
    });
    if (res.code !== 0) {
      const kind = classifyGitFailure(res.stderr);
      // ls-remote touches no clone, so a failure git does not explain is still the remote's.
      throw new GitRemoteError(kind === 'local' ? 'unreachable' : kind, lastGitLine(res.stderr));
    }
    return parseLsRemote(res.stdout);
  }

  private record(req: SourceRequest, g: RemoteGroup, sha: string, network: boolean): void {
    this.results.set(req.id, {
      commit: sha as CommitSha,
      clonePath: g.clonePath,
      exactSource: `${req.source.url}#${sha}`,
    });
    this.opts.emit({
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
