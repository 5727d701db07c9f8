import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtraSource, ImageBuildContext } from '../../src/build/image/build-type.js';
import type { DockerEngine } from '../../src/build/image/docker-engine.js';
import type { CommitSha, ImageRef, ServiceBuild, ServiceRepository } from '../../src/spec/types.js';
import type { GitRepo } from './git-repo.js';

/** The committed tree of `repo` at `commit`, as the clone cache gives it: `git archive`, no untracked files. */
export function gitExtraSource(repo: GitRepo, commit = repo.head()): ExtraSource {
  return {
    commit: commit as CommitSha,
    async exportTree(subdir: string, destDir: string) {
      mkdirSync(destDir, { recursive: true });
      const treeish = subdir === '' ? commit : `${commit}:${subdir}`;
      execFileSync('sh', [
        '-c',
        'git -C "$1" archive "$2" | tar -x -C "$3"',
        'sh',
        repo.path,
        treeish,
        destDir,
      ]);
    },
  };
}

export function serviceRepository(name: string, repo: GitRepo, service: ServiceBuild): ServiceRepository {
  return { kind: 'service', name, index: 0, source: { url: repo.url() }, raw: {}, service };
}

/**
 * An ImageBuildContext for one build-type handler, without the composer: git access straight
 * from a test repository, work and cache dirs under `baseDir`, a real engine.
 */
export function imageBuildContext(opts: {
  service: ServiceRepository;
  repo: GitRepo;
  baseDir: string;
  tag: string;
  engine: DockerEngine;
  images?: Record<string, string>;
  extraSources?: Record<string, ExtraSource>;
  noCache?: boolean;
  signal?: AbortSignal;
  lines?: string[];
}): ImageBuildContext {
  const source = gitExtraSource(opts.repo);
  const dir = (d: string) => {
    const p = join(opts.baseDir, d, opts.service.name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  return {
    service: opts.service,
    commit: source.commit,
    async readFile(path: string) {
      try {
        return execFileSync('git', ['-C', opts.repo.path, 'show', `${source.commit}:${path}`], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        return undefined;
      }
    },
    exportTree: source.exportTree,
    workDir: dir('work'),
    cacheDir: dir('cache'),
    logFile: join(opts.baseDir, 'logs', `${opts.service.name}.log`),
    tag: opts.tag as ImageRef,
    images: opts.images ?? {},
    extraSources: opts.extraSources ?? {},
    engine: opts.engine,
    onLine: (line) => opts.lines?.push(line),
    signal: opts.signal ?? new AbortController().signal,
    noCache: opts.noCache ?? false,
  };
}
