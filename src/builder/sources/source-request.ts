import type { CommitSha, GitSource } from '../../inputs/types.js';

/** One git source to resolve, and where the user wrote it (for error messages). */
export interface SourceRequest {
  /** The repository's name, or e.g. `ping/buildpack` for a service's buildpack. */
  id: string;
  source: GitSource;
  where: { file: string; path: string };
}

export interface ResolvedSource {
  commit: CommitSha;
  /** The cached clone (bare) that holds `commit`; read it with readFileAtCommit / exportTree. */
  clonePath: string;
  /** `<url>#<40-hex sha>`, without credentials: what the release records. */
  exactSource: string;
}
