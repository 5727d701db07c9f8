import { rm } from 'node:fs/promises';
import { UserError } from '../../core/user-error.js';
import { lastGitLine, runGit } from './run-git.js';

/**
 * The committed content of `path` at `commit` in a cached clone (e.g. a Procfile or a
 * package.json), or undefined when the commit has no file there. Untracked files cannot be
 * read this way, by design: an image is made of what was committed.
 */
export async function readFileAtCommit(
  clonePath: string,
  commit: string,
  path: string,
): Promise<string | undefined> {
  const spec = `${commit}:${path.replace(/^(\.\/)+/, '')}`;
  // `--batch` answers "missing" with exit 0, so one process tells absent from broken.
  const res = await runGit(['cat-file', '--batch'], { cwd: clonePath, input: spec + '\n' });
  if (res.code !== 0) throw damagedClone(clonePath, lastGitLine(res.stderr));
  const nl = res.stdout.indexOf('\n');
  const header = res.stdout.slice(0, nl).split(' ');
  if (header[1] !== 'blob') return undefined;
  return res.stdout.slice(nl + 1, res.stdout.endsWith('\n') ? -1 : undefined);
}

/** A cached clone that git cannot read: the build discards it and clones again (see run-build). */
export class DamagedCloneError extends UserError {
  constructor(
    readonly clonePath: string,
    detail: string,
  ) {
    super({
      message: `cannot read the cached clone ${clonePath}${detail !== '' ? ` (git: ${detail})` : ''}`,
      hint: 'delete that folder; the next build clones it again',
    });
  }
}

export function damagedClone(clonePath: string, detail: string): DamagedCloneError {
  return new DamagedCloneError(clonePath, detail);
}

/** Throws a damaged clone away, so the next resolution clones it afresh. */
export async function discardClone(clonePath: string): Promise<void> {
  await rm(clonePath, { recursive: true, force: true });
}
