import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo } from './git-repo.js';
import { RigLayout } from './rig-layout.js';
import type { TestStack } from './stack-images.js';
import { createTestBuildpack } from './test-buildpack.js';

/**
 * One heroku-buildpack service (the test buildpack, a `greeting` app) in a spec directory with
 * a build config, under `dir`: the smallest build of a type whose image the tool writes.
 */
export class HerokuAppRig extends RigLayout {
  readonly app: GitRepo;

  constructor(
    dir: string,
    stack: TestStack,
    opts: { prefix: string; registriesYaml?: string; greeting?: string },
  ) {
    super(dir);
    const buildpack = createTestBuildpack(join(dir, 'buildpack'));
    this.app = GitRepo.create(join(dir, 'app'), {
      Procfile: 'web: bin/greet web\n',
      greeting: opts.greeting ?? `Hello ${Math.random()}`,
    });
    mkdirSync(this.specDir, { recursive: true });
    writeFileSync(
      join(this.specDir, 'build.yml'),
      [
        'repositories:',
        '  - name: greeter',
        '    kind: service',
        `    source: ${this.app.url('main')}`,
        `    service: {buildType: heroku-buildpack, stack: ${stack.stack}, buildpack: "${buildpack.url('main')}"}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(this.specDir, 'deploy.yml'), 'resources: []\n');
    writeFileSync(
      this.configPath,
      `docker:\n  repositoryPrefix: "${opts.prefix}"\n${opts.registriesYaml ?? ''}images: ${JSON.stringify(stack.images)}\n`,
    );
  }

  /** `service` of the release's only repository. */
  service(): Record<string, unknown> {
    const release = JSON.parse(readFileSync(this.releasePath, 'utf8')) as {
      build: { repositories: Array<{ service: Record<string, unknown> }> };
    };
    return release.build.repositories[0]?.service ?? {};
  }
}
