import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { buildkitBuild, type BuildkitBuildOptions } from '../../src/build-types/docker/buildkit-build.js';
import type { SessionCall } from '../../src/build-types/docker/buildkit-session.js';
import type { EngineDial } from '../../src/build-types/docker/buildkit-upgrade.js';
import { packBuildContext } from '../../src/build-types/docker/pack-build-context.js';
import { tempDir } from './temp-dir.js';

/** What one BuildKit build through the tool's modules gave. */
export interface RigBuild {
  imageId?: string;
  /** Every step line, as `onLine` got it. */
  lines: string[];
  /** What the engine asked the session for. */
  calls: SessionCall[];
  logFile: string;
  error?: Error;
  ms: number;
}

/** `unix:///…` → a dial of that socket. */
export function unixDial(endpoint: string): EngineDial {
  const path = endpoint.replace(/^unix:\/\//, '');
  return () => connect(path);
}

/**
 * Builds a folder of files (`{'Dockerfile': …, 'src/a': …}`) with the engine's BuildKit through
 * `buildkitBuild`, as the docker build type will: the context packed by the tool's own packer.
 * Images are tagged under `prefix` so the test can remove them.
 */
export class BuildkitRig {
  private constructor(
    readonly dir: string,
    readonly prefix: string,
  ) {}

  static async create(name: string): Promise<BuildkitRig> {
    return new BuildkitRig(await tempDir('tci-bk-'), `tci-bk-${process.pid}-${name}`);
  }

  write(files: Record<string, string>): void {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, 'context', path)), { recursive: true });
      writeFileSync(join(this.dir, 'context', path), text);
    }
  }

  async build(
    tag: string,
    opts: Partial<BuildkitBuildOptions> & { engine?: string } = {},
  ): Promise<RigBuild> {
    const context = join(this.dir, 'context');
    const dockerfile = opts.dockerfile ?? 'Dockerfile';
    const lines: string[] = [];
    const calls: SessionCall[] = [];
    const logFile = join(this.dir, 'logs', `${tag.replace(/\W/g, '_')}-${Date.now()}.log`);
    const started = Date.now();
    try {
      const result = await buildkitBuild({
        dial: unixDial(opts.engine ?? 'unix:///var/run/docker.sock'),
        context: await packBuildContext(context, dockerfile),
        dockerfile,
        dockerfileText: readFileSync(join(context, dockerfile), 'utf8'),
        tag: this.ref(tag),
        noCache: false,
        logFile,
        onLine: (l) => lines.push(l),
        // The build's redactor masks; a test that checks masking gives its own.
        redact: (text) => text,
        observe: (c) => calls.push(c),
        signal: new AbortController().signal,
        label: `service "${tag}": docker build`,
        ...opts,
      });
      return { ...result, lines, calls, logFile, ms: Date.now() - started };
    } catch (e) {
      return { lines, calls, logFile, error: e as Error, ms: Date.now() - started };
    }
  }

  ref(tag: string): string {
    return `${this.prefix}/${tag}:1`;
  }

  /** Runs the built image with a command and returns its standard output. */
  run(tag: string, cmd: string[], engine?: string): string {
    return execFileSync('docker', ['run', '--rm', '--network', 'none', this.ref(tag), ...cmd], {
      encoding: 'utf8',
      ...(engine ? { env: { ...process.env, DOCKER_HOST: engine } } : {}),
    });
  }

  log(build: RigBuild): string {
    return readFileSync(build.logFile, 'utf8');
  }
}
