import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ServiceRepo } from './make-service-repos.js';
import { timeCommand } from './time-command.js';

/**
 * The baseline: the loop a user would write without the tool. For each service, in turn:
 * `git fetch` + `git checkout` of the pinned commit in a working clone, `docker build` (the
 * layer cache warm after the first round) and `docker push`.
 */
export class NaiveLoop {
  readonly tags: string[];
  private readonly clones: string[];

  constructor(
    private readonly repos: readonly ServiceRepo[],
    workDir: string,
    repositoryPrefix: string,
  ) {
    this.clones = repos.map((r) => join(workDir, r.name));
    this.tags = repos.map((r) => `${repositoryPrefix}${r.name}:latest`);
    repos.forEach((r, i) => execFileSync('git', ['clone', '-q', r.path, this.clones[i] as string]));
  }

  /** One round over every service; returns its wall time in ms. */
  async run(): Promise<number> {
    const env = { ...process.env, DOCKER_BUILDKIT: '0' };
    let total = 0;
    for (const [i, repo] of this.repos.entries()) {
      const clone = this.clones[i] as string;
      const tag = this.tags[i] as string;
      total += (await timeCommand('git', ['-C', clone, 'fetch', '-q', 'origin'])).ms;
      total += (await timeCommand('git', ['-C', clone, 'checkout', '-q', repo.head])).ms;
      total += (await timeCommand('docker', ['build', '-q', '-t', tag, clone], { env })).ms;
      total += (await timeCommand('docker', ['push', '-q', tag], { env })).ms;
    }
    return total;
  }
}
