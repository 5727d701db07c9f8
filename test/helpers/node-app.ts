import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo } from './git-repo.js';

/**
 * Node.js apps whose dependencies install offline: packages made here with `npm pack`, committed
 * into each app's `vendor/` and named in a package-lock.json that npm writes without a network.
 */
export class NodeApps {
  /** `vendor/<tarball>` → its bytes (latin1). */
  private readonly vendor: Record<string, string> = {};

  constructor(private readonly dir: string) {}

  /** `npm pack`s a package made of `files`; every app made later vendors it. */
  pack(name: string, files: Record<string, string>): void {
    const dir = join(this.dir, 'packages', name);
    mkdirSync(dir, { recursive: true });
    for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, f), content);
    const file = execFileSync('npm', ['pack', '--silent', '--pack-destination', join(this.dir, 'packages')], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
    this.vendor[`vendor/${file}`] = readFileSync(join(this.dir, 'packages', file), 'latin1');
  }

  /** An app repository with the vendored tarballs and a lock file; `date` fixes its commit time. */
  app(
    name: string,
    pkg: Record<string, unknown>,
    files: Record<string, string> = {},
    date?: string,
  ): GitRepo {
    const dir = join(this.dir, 'apps', name);
    mkdirSync(join(dir, 'vendor'), { recursive: true });
    for (const [f, content] of Object.entries(this.vendor)) writeFileSync(join(dir, f), content, 'latin1');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...pkg }, null, 2));
    execFileSync(
      'npm',
      ['install', '--package-lock-only', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
      { cwd: dir, stdio: 'ignore' },
    );
    const repo = GitRepo.create(dir);
    repo.commit(files, 'initial', date);
    return repo;
  }
}
