import type { CommitSha, ImageRef, ServiceRepository } from '../../spec/types.js';
import type { DockerEngine } from './docker-engine.js';

/** A source other than the service's own repository that a build uses (e.g. a buildpack). */
export interface ExtraSource {
  commit: CommitSha;
  /** Writes the committed tree of `subdir` ('' for the root) into `destDir`. */
  exportTree(subdir: string, destDir: string): Promise<void>;
}

/**
 * Everything a build type gets to build one service. Git access comes in as functions, so
 * build types never touch the clone cache (build subfolders do not import each other).
 */
export interface ImageBuildContext {
  service: ServiceRepository;
  commit: CommitSha;
  /** The file at `commit` (repository-relative path), or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Writes the committed tree of `subdir` ('' for the root) into `destDir`: no untracked files. */
  exportTree(subdir: string, destDir: string): Promise<void>;
  /** Per-service scratch directory in the base dir: exists, may hold a previous run's leftovers. */
  workDir: string;
  /** Per-service persistent cache directory (buildpack cache and the like). */
  cacheDir: string;
  /** Full output goes here (append). */
  logFile: string;
  /** Tag the result with this in the local daemon. */
  tag: ImageRef;
  /** The build config's `images` map: replaces base images the build type itself chooses. */
  images: Record<string, string>;
  /** Keyed by the service field that named them, e.g. `buildpack`. */
  extraSources: Record<string, ExtraSource>;
  engine: DockerEngine;
  /** Progress lines for the live display. */
  onLine(line: string): void;
  signal: AbortSignal;
  noCache: boolean;
}

export type BaseImagesContext = Pick<ImageBuildContext, 'service' | 'commit' | 'readFile' | 'images'>;

export interface BuildTypeHandler {
  /** Bump when the handler's output changes for the same inputs; part of the build key. */
  readonly stepVersion: string;
  /**
   * The base images the build will use, after the `images` mapping. Cheap (may read files at
   * the commit); their digests go into the build key, and missing ones are pulled before `build`.
   */
  baseImages(ctx: BaseImagesContext): Promise<string[]>;
  /**
   * Builds the image and tags it `ctx.tag` in the local daemon. Failures are UserErrors naming
   * the service, the step and the log file (the engine's `label` option does this).
   */
  build(ctx: ImageBuildContext): Promise<void>;
}
