import { InternalError } from '../core/user-error.js';
import { mkdir, rm } from 'node:fs/promises';
import type { Emit } from '../core/events.js';
import type { Digest, RegistryCredentials } from '../inputs/types.js';
import { serviceCacheDir, serviceInputsFile, serviceWorkDir, stepLogFile } from './build-layout.js';
import type { Decision } from './decide-action.js';
import type { Step } from './graph/step.js';
import type { BuildContextBase } from './image/build-type.js';
import type { DockerEngine } from './image/docker-engine.js';
import type { LastBuild, PreparedService } from './prepare-service.js';
import { exportTree } from './source/export-tree.js';
import { readFileAtCommit } from './source/read-file-at-commit.js';
import { writeStamp } from './stamp/stamp-file.js';
import { canonicalJson } from '../core/canonical-json.js';

export interface StepOptions {
  baseDir: string;
  engine: DockerEngine;
  images: Record<string, string>;
  noCache: boolean;
  /** `--push`: a built image is pushed too. */
  push: boolean;
  emit: Emit;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  /** Receives the digest of each pushed image. */
  pushed(service: string, digest: Digest): void;
}

/**
 * The graph steps of one service for its decision: `build` (then `push`), `push` alone, or
 * `pull`. The last-build record is written only after the image exists.
 */
export function serviceSteps(p: PreparedService, d: Decision, opts: StepOptions): Step[] {
  const name = p.repo.name;
  const tag = p.tag;
  if (tag === undefined || d.action === 'skip') return [];
  const steps: Step[] = [];
  const lines = (step: string) => (line: string) =>
    opts.emit({ kind: 'log-line', service: name, step, line });

  if (d.action === 'build') {
    const logFile = stepLogFile(opts.baseDir, name, 'build');
    steps.push({
      id: `${name}:build`,
      service: name,
      name: 'build',
      pool: 'image',
      deps: [],
      logFile,
      run: async ({ signal }) => {
        const { workDir, cacheDir } = await freshBuildDirs(opts.baseDir, name, logFile);
        if (p.handler.kind !== 'daemon') throw new InternalError(`${name} is not built by the daemon`);
        await p.handler.build({
          ...buildContextBase(p, { workDir, cacheDir, logFile, signal, onLine: lines('build') }, opts),
          tag,
          engine: opts.engine,
        });
        await rm(workDir, { recursive: true, force: true });
        await recordLastBuild(p, opts);
      },
    });
  }
  if ((d.action === 'build' && opts.push) || d.action === 'push') {
    steps.push({
      id: `${name}:push`,
      service: name,
      name: 'push',
      pool: 'push',
      deps: d.action === 'build' ? [`${name}:build`] : [],
      logFile: stepLogFile(opts.baseDir, name, 'push'),
      run: async ({ signal }) => {
        const digest = await opts.engine.push(tag, await opts.authFor(tag), lines('push'), signal);
        opts.pushed(name, digest);
        opts.emit({ kind: 'image-pushed', service: name, ref: tag.slice(0, tag.lastIndexOf(':')), digest });
      },
    });
  }
  if (d.action === 'pull') {
    steps.push({
      id: `${name}:pull`,
      service: name,
      name: 'pull',
      pool: 'push',
      deps: [],
      run: async ({ signal }) => {
        await opts.engine.pull(tag, await opts.authFor(tag), signal);
        await recordLastBuild(p, opts);
      },
    });
  }
  return steps;
}

/** A new log, an empty work dir and the service's cache dir, for a build step starting. */
export async function freshBuildDirs(
  baseDir: string,
  service: string,
  logFile: string,
): Promise<{ workDir: string; cacheDir: string }> {
  await rm(logFile, { force: true });
  const workDir = serviceWorkDir(baseDir, service);
  const cacheDir = serviceCacheDir(baseDir, service);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  await mkdir(cacheDir, { recursive: true });
  return { workDir, cacheDir };
}

/** What every build type gets: git access to the service's commit and its extra sources, folders. */
export function buildContextBase(
  p: PreparedService,
  where: Pick<BuildContextBase, 'workDir' | 'cacheDir' | 'logFile' | 'signal' | 'onLine'>,
  opts: Pick<StepOptions, 'images' | 'noCache'>,
): BuildContextBase {
  return {
    ...where,
    service: p.repo,
    commit: p.source.commit,
    readFile: (path) => readFileAtCommit(p.source.clonePath, p.source.commit, path),
    exportTree: (subdir, dest) => exportTree(p.source.clonePath, p.source.commit, subdir, dest),
    images: opts.images,
    extraSources: Object.fromEntries(
      Object.entries(p.extra).map(([k, s]) => [
        k,
        {
          commit: s.commit,
          exportTree: (subdir: string, dest: string) => exportTree(s.clonePath, s.commit, subdir, dest),
        },
      ]),
    ),
    noCache: opts.noCache,
  };
}

/** Remembers this build's inputs (for `--dry-run`'s "what changed" and the no-spawn fast path). */
export async function recordLastBuild(
  p: PreparedService,
  opts: Pick<StepOptions, 'baseDir' | 'images'>,
): Promise<void> {
  if (p.key === undefined) return;
  const record: LastBuild = {
    inputs: p.inputs,
    baseImageRefs: p.baseImageRefs,
    imagesMap: canonicalJson(opts.images),
    buildKey: p.key,
  };
  if (p.previous !== undefined && canonicalJson(p.previous) === canonicalJson(record)) return;
  await writeStamp(serviceInputsFile(opts.baseDir, p.repo.name), record);
}
