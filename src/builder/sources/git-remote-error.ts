import type { GitFailureKind } from './run-git.js';

/**
 * A failure while resolving or fetching one remote, before it is tied to the repository
 * entries that use that remote (several entries may share one URL). `detail` is git's own
 * last line; git is only ever given credential-free URLs, so it cannot hold a secret.
 */
export class GitRemoteError extends Error {
  constructor(
    readonly kind: GitFailureKind | 'unknown-ref' | 'missing-commit',
    readonly detail: string,
    /** For `unknown-ref` and `missing-commit`: the ref or commit that was not found. */
    readonly ref?: string,
  ) {
    super(`git ${kind}: ${detail}`);
    this.name = 'GitRemoteError';
  }
}
