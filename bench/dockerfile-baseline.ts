import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timeCommand } from './time-command.js';

/**
 * The Dockerfile a user would write for the benchmark app, built with BuildKit by the Docker 20.10
 * client (`DOCKER_BUILDKIT=1 /usr/bin/docker build`) from a working tree, as a user builds it:
 * the manifests and lock file first, `npm ci`, then the rest, so a change to the app alone reuses
 * the cached `npm ci` layer. `npm ci` reads the same npm cache (in the base image) as the tool's.
 */
export class DockerfileBaseline {
  private readonly tree: string;
  /** Every image a build made: a rebuild under the same tag leaves the one before it untagged. */
  private readonly built = new Set<string>();

  constructor(
    private readonly dir: string,
    repoPath: string,
    private readonly baseImage: string,
    readonly tag: string,
  ) {
    this.tree = join(dir, 'tree');
    execFileSync('git', ['clone', '-q', repoPath, this.tree]);
    writeFileSync(
      join(this.tree, 'Dockerfile'),
      [
        `FROM ${baseImage}`,
        'WORKDIR /app',
        'COPY package.json package-lock.json .npmrc ./',
        'RUN npm ci --omit=dev --no-audit --no-fund --cache /tmp/npm-cache',
        'COPY . .',
        'ENV NODE_ENV=production',
        'CMD ["npm", "start"]',
        '',
      ].join('\n'),
    );
    writeFileSync(join(this.tree, '.dockerignore'), '.git\nnode_modules\nDockerfile\n');
  }

  /** Brings the working tree to `commit` (git touches only the files that changed). */
  checkout(commit: string): void {
    execFileSync('git', ['-C', this.tree, 'fetch', '-q', 'origin'], { stdio: 'ignore' });
    execFileSync('git', ['-C', this.tree, 'checkout', '-q', commit], { stdio: 'ignore' });
  }

  /** One `docker build`; `noCache` reruns every step (the base image stays). Wall time in ms. */
  async build(noCache: boolean): Promise<number> {
    const run = await timeCommand(
      '/usr/bin/docker',
      ['build', '-q', ...(noCache ? ['--no-cache'] : []), '-t', this.tag, this.tree],
      { env: { ...process.env, DOCKER_BUILDKIT: '1' } },
    );
    this.built.add(
      execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', this.tag], { encoding: 'utf8' }).trim(),
    );
    return run.ms;
  }

  remove(): void {
    // Not execFileSync: the tagged image is also in `built`, and docker then exits 1 for it.
    spawnSync('docker', ['rmi', '-f', this.tag, ...this.built], { stdio: 'ignore' });
    execFileSync('rm', ['-rf', this.dir]);
  }
}
