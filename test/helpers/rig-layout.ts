import { join } from 'node:path';

/** Where a test's build set-up keeps its spec, build config, base dir and release, under `dir`. */
export class RigLayout {
  constructor(readonly dir: string) {}

  get specDir(): string {
    return join(this.dir, 'spec');
  }
  get baseDir(): string {
    return join(this.dir, 'base');
  }
  get releasePath(): string {
    return join(this.dir, 'release.json');
  }
  get configPath(): string {
    return join(this.dir, 'build-config.yml');
  }

  /** `build --log-format json --base-dir … --build-config … [extra] <spec> <release>`. */
  buildArgs(...extra: string[]): string[] {
    return [
      'build',
      '--log-format',
      'json',
      '--base-dir',
      this.baseDir,
      '--build-config',
      this.configPath,
      ...extra,
      this.specDir,
      this.releasePath,
    ];
  }
}
