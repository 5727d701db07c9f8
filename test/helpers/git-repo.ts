import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** A real git repository made by a test, with helpers to commit, branch and tag. */
export class GitRepo {
  constructor(readonly path: string) {}

  static create(path: string, files: Record<string, string> = {}, branch = 'main'): GitRepo {
    mkdirSync(path, { recursive: true });
    const repo = new GitRepo(path);
    repo.git('init', '-q', '-b', branch);
    if (Object.keys(files).length > 0) repo.commit(files, 'initial');
    return repo;
  }

  git(...args: string[]): string {
    return this.gitWith({}, ...args);
  }

  gitWith(env: Record<string, string>, ...args: string[]): string {
    return execFileSync('git', args, { cwd: this.path, env: { ...gitEnv, ...env }, encoding: 'utf8' }).trim();
  }

  /**
   * Writes files (a `null` content deletes one), commits all changes, returns the new commit.
   * `date` (e.g. `2020-02-02T02:02:02+01:00`) fixes the author and committer time.
   */
  commit(files: Record<string, string | null>, message = 'change', date?: string): string {
    for (const [name, content] of Object.entries(files)) {
      const p = join(this.path, name);
      if (content === null) rmSync(p, { force: true });
      else {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, content);
      }
    }
    this.git('add', '-A');
    const env: Record<string, string> =
      date !== undefined ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {};
    this.gitWith(env, 'commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  branch(name: string, checkout = false): void {
    if (checkout) this.git('checkout', '-q', '-b', name);
    else this.git('branch', name);
  }

  checkout(ref: string): void {
    this.git('checkout', '-q', ref);
  }

  /** Lightweight tag, or annotated with `annotated: true`. Returns the tagged commit. */
  tag(name: string, opts: { annotated?: boolean; ref?: string } = {}): string {
    const ref = opts.ref ?? 'HEAD';
    if (opts.annotated) this.git('tag', '-a', name, '-m', `tag ${name}`, ref);
    else this.git('tag', name, ref);
    return this.git('rev-parse', `${name}^{commit}`);
  }

  /** `file://` URL of this repository, with an optional `#ref`. */
  url(ref?: string): string {
    return `file://${this.path}${ref !== undefined ? `#${ref}` : ''}`;
  }
}
