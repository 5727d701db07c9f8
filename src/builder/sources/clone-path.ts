import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Where the cached clones live inside the base dir. */
export function gitCacheDir(baseDir: string): string {
  return join(baseDir, 'git');
}

/**
 * The cached clone of one remote: named after a hash of the credential-free remote (so one
 * clone per distinct URL, and no credential can ever reach a path), plus the repository's
 * last path segment so a person browsing the base dir can tell clones apart.
 */
export function clonePathFor(baseDir: string, remote: string): string {
  const hash = createHash('sha256').update(remote).digest('hex').slice(0, 16);
  const tail = remote
    .replace(/[/\\]+$/, '')
    .replace(/\.git$/, '')
    .split(/[/\\:]/)
    .pop();
  const readable = (tail ?? '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  return join(gitCacheDir(baseDir), `${readable === '' ? 'repo' : readable}-${hash}`);
}
