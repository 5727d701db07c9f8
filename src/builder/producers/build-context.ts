import { rm } from 'node:fs/promises';
import type { BuildContext } from '../../build-types/build-type.js';
import { makeDirectory } from '../../core/make-directory.js';
import { GitTrees } from './git-trees.js';
import { serviceCacheDir, serviceWorkDir } from '../state/build-layout.js';
import { exportTree } from '../sources/export-tree.js';
import { readFileAtCommit } from '../sources/read-file-at-commit.js';
import type { ImageJob } from './image-producer.js';

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
  makeDirectory(workDir);
  makeDirectory(cacheDir);
  return { workDir, cacheDir };
}

/** What of the build every build context is made from. */
export interface BuildContextOptions {
  images: Readonly<Record<string, string>>;
  noCache: boolean;
  /** Each service's build secrets by id, read before any build (`loadServiceSecrets`). */
  secrets: ReadonlyMap<string, ReadonlyMap<string, Uint8Array>>;
  /** Each service's `!env` values by name, read before any build (`loadServiceEnv`). */
  env?: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The committed trees of the build, each read once. */
  trees?: GitTrees;
  /** The build's redactor as a function: what every step's log file masks (`BuildContext.redact`). */
  redact(text: string): string;
}

/** What every build type's build gets: git access to the service's commit and its extra sources, folders. */
export function buildContext(
  job: ImageJob,
  where: Pick<BuildContext, 'workDir' | 'cacheDir' | 'logFile' | 'signal' | 'onLine'>,
  opts: BuildContextOptions,
): BuildContext {
  const { source } = job;
  return {
    ...where,
    commit: source.commit,
    readFile: (path) => readFileAtCommit(source.clonePath, source.commit, path),
    exportTree: (subdir, dest) => exportTree(source.clonePath, source.commit, subdir, dest),
    images: opts.images,
    extraSources: Object.fromEntries(
      Object.entries(job.extra).map(([k, s]) => [
        k,
        {
          commit: s.commit,
          exportTree: (subdir: string, dest: string) => exportTree(s.clonePath, s.commit, subdir, dest),
        },
      ]),
    ),
    noCache: opts.noCache,
    secrets: opts.secrets.get(job.name) ?? new Map(),
    env: opts.env?.get(job.name) ?? new Map(),
    redact: opts.redact,
    tree: () => (opts.trees ?? new GitTrees()).of(source),
  };
}
