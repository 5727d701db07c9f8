import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage } from './base-images.js';
import { GitRepo } from './git-repo.js';
import { RigLayout } from './rig-layout.js';

export interface RigService {
  name: string;
  /** Dockerfile text; `FROM busybox` means the offline busybox image. */
  dockerfile?: string;
  /** Overrides the `source` field (e.g. an http URL with a token); default the service's own repo. */
  source?: string;
}

let counter = 0;

/**
 * A complete build set-up in a temp dir: one git repository per service (each with a
 * busybox-based Dockerfile), a spec directory, a build config with a per-rig image prefix, a
 * base dir, and a release path. `cleanup()` removes the dir and every image under the prefix.
 */
export class BuildRig extends RigLayout {
  readonly repos = new Map<string, GitRepo>();

  private constructor(
    dir: string,
    /** `tci-rel-<pid>-<n>/`, unique per rig, so parallel test files never share images. */
    readonly prefix: string,
  ) {
    super(dir);
  }

  static create(services: RigService[], opts: { prefix?: string; buildConfig?: string } = {}): BuildRig {
    const busybox = ensureBusyboxImage();
    const dir = mkdtempSync(join(tmpdir(), 'tci-rig-'));
    const rig = new BuildRig(dir, opts.prefix ?? `tci-rel-${process.pid}-${++counter}/`);
    const entries: string[] = [];
    for (const s of services) {
      const dockerfile = (s.dockerfile ?? 'FROM busybox\nCMD ["echo","ok"]\n').replace(
        /^FROM busybox\b/m,
        `FROM ${busybox}`,
      );
      const repo = GitRepo.create(join(dir, 'repos', s.name), { Dockerfile: dockerfile });
      rig.repos.set(s.name, repo);
      entries.push(
        `  - name: ${s.name}\n    kind: service\n    source: ${JSON.stringify(s.source ?? repo.url('main'))}\n    service:\n      buildType: docker\n`,
      );
    }
    mkdirSync(rig.specDir);
    writeFileSync(join(rig.specDir, 'build.yml'), `repositories:\n${entries.join('')}`);
    writeFileSync(join(rig.specDir, 'deploy.yml'), 'resources: []\n');
    writeFileSync(
      rig.configPath,
      opts.buildConfig ?? `docker:\n  repositoryPrefix: ${JSON.stringify(rig.prefix)}\n`,
    );
    return rig;
  }

  release(): Record<string, unknown> & { build: { repositories: Array<Record<string, unknown>> } } {
    return JSON.parse(readFileSync(this.releasePath, 'utf8')) as ReturnType<BuildRig['release']>;
  }

  /** Every file under the base dir (relative paths), for "nothing left behind" checks. */
  baseDirFiles(): string[] {
    return listFiles(this.baseDir);
  }

  /** Images whose repository starts with this rig's prefix. */
  images(): string[] {
    return execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.startsWith(this.prefix) || l.includes(`/${this.prefix}`));
  }

  cleanup(): void {
    const imgs = this.images();
    if (imgs.length > 0) execFileSync('docker', ['rmi', '-f', ...imgs], { stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function listFiles(root: string, rel = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(join(root, rel));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const p = rel === '' ? name : join(rel, name);
    if (statSync(join(root, p), { throwIfNoEntry: false })?.isDirectory()) out.push(...listFiles(root, p));
    else out.push(p);
  }
  return out;
}

/**
 * Processes of this machine whose command line contains `marker`: a RUN step BuildKit is
 * running (it runs steps as processes of its own, which `docker ps` does not list).
 */
export function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(marker) && !/\bps -eo\b/.test(l));
}

/** Waits up to `ms` for every process holding `marker` to end; returns those left. */
export async function processesEnded(marker: string, ms = 10_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  while (processesWith(marker).length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  return processesWith(marker);
}
