import type { ImageSettings, LayerSource } from '../../inputs/oci-types.js';
import type { CommitSha, ImageRef, ServiceRepository } from '../../inputs/types.js';
import type { DockerEngine } from './docker-engine.js';

/** A source other than the service's own repository that a build uses (e.g. a buildpack). */
export interface ExtraSource {
  commit: CommitSha;
  /** Writes the committed tree of `subdir` ('' for the root) into `destDir`. */
  exportTree(subdir: string, destDir: string): Promise<void>;
}

/** What every build type gets to build one service. Git access comes in as functions. */
export interface BuildContextBase {
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
  /** The build config's `images` map: replaces base images the build type itself chooses. */
  images: Record<string, string>;
  /** Keyed by the service field that named them, e.g. `buildpack`. */
  extraSources: Record<string, ExtraSource>;
  /** Progress lines for the live display. */
  onLine(line: string): void;
  signal: AbortSignal;
  noCache: boolean;
}

/** A build type that has the Docker daemon build the image (`docker`). */
export interface ImageBuildContext extends BuildContextBase {
  /** Tag the result with this in the local daemon. */
  tag: ImageRef;
  engine: DockerEngine;
}

/** A folder a code step works on, copied in (or bind-mounted) at `containerPath`. */
export interface StepFolder {
  hostDir: string;
  containerPath: string;
  /** Read-only folders are not copied back. */
  readOnly?: boolean;
}

/** One command that must run code (an install, a buildpack) in a container of an image. */
export interface CodeStep {
  /** One of the handler's `baseImages`. */
  image: string;
  cmd: string[];
  env?: Record<string, string>;
  /** `uid:gid`; default the image's user. Writable folders are owned by it. */
  user?: string;
  workingDir: string;
  folders: StepFolder[];
  /** Names the step in failure messages, e.g. `service "api": bin/compile`. */
  label: string;
}

/** A build type whose image the tool writes itself (`node`, `heroku-buildpack`). */
export interface AppBuildContext extends BuildContextBase {
  /**
   * Runs a code step in a container of `step.image` (through the Docker engine, or runc
   * without one). Writable folders hold the step's output afterwards; output goes to the log.
   */
  runStep(step: CodeStep): Promise<void>;
}

/** What an app build type made: its layers on top of `base`, and the container settings. */
export interface AppImage {
  /** The image the result is made on: one of `baseImages`. */
  base: string;
  layers: Array<{ createdBy: string; sources: LayerSource[] }>;
  settings: ImageSettings;
}

export type BaseImagesContext = Pick<BuildContextBase, 'service' | 'commit' | 'readFile' | 'images'>;

interface HandlerBase {
  /** Bump when the handler's output changes for the same inputs; part of the build key. */
  readonly stepVersion: string;
  /**
   * The base images the build will use, after the `images` mapping. Cheap (may read files at
   * the commit); their digests go into the build key.
   */
  baseImages(ctx: BaseImagesContext): Promise<string[]>;
}

/** The Docker daemon builds and tags the image; it is neither reproducible nor daemonless. */
export interface DaemonBuildTypeHandler extends HandlerBase {
  readonly kind: 'daemon';
  /**
   * Builds the image and tags it `ctx.tag` in the local daemon. Failures are UserErrors naming
   * the service, the step and the log file (the engine's `label` option does this).
   */
  build(ctx: ImageBuildContext): Promise<void>;
}

/**
 * The handler runs its code steps and says what goes into the image; the tool writes the
 * image (same inputs, same digest) and pushes or loads it, with no daemon needed.
 */
export interface AppBuildTypeHandler extends HandlerBase {
  readonly kind: 'app';
  assemble(ctx: AppBuildContext): Promise<AppImage>;
}

export type BuildTypeHandler = DaemonBuildTypeHandler | AppBuildTypeHandler;
