import type { Duplex, Readable } from 'node:stream';
import type { ImageSettings, LayerEntry, LayerSource } from '../inputs/oci-types.js';
import type { FieldPath, ServiceType } from '../inputs/service-types.js';
import type { BuildConfig, CommitSha, GitSource, RegistryCredentials } from '../inputs/types.js';
import type { GitTree } from './git-tree.js';

/**
 * A build type: what `buildType: <name>` means. One folder per type (src/build-types/<name>/)
 * holds everything that defines it, and one line in src/build-types/build-types.ts adds it.
 * As a `ServiceType` it gives the spec loader the schema part of its service fields and reads
 * them into a `ServiceBuild`, which is all the builder ever asks of the service.
 */
export type BuildType = ServiceType<ServiceBuild>;

/**
 * One service's build, as its build type read it from build.yml: what enters its build key,
 * what else it needs, and how its image is made. The builder never asks which type it has.
 */
export interface ServiceBuild {
  readonly buildType: string;
  /** Version of the code that builds this type; part of the build key, bumped when its output changes. */
  readonly stepVersion: string;
  /** The build fields as they enter the build key: defaults filled in, paths normalised, no credentials. */
  readonly keyFields: Readonly<Record<string, unknown>>;
  /** Ids of the build config's secrets this build may read; each is in its context's `secrets`. */
  readonly secrets: readonly string[];
  /**
   * Names of the environment variables its fields read (`!env NAME`), each in its context's
   * `env`. Like secrets: checked before any work, masked in output, never in the key.
   */
  readonly envNames?: readonly string[];
  /** Sources other than the repository (e.g. `{buildpack}`), resolved with it; their commits enter the key. */
  readonly extraSources: Readonly<Record<string, GitSource>>;
  /**
   * The base images the build uses, after the build config's `images` map. Cheap (may read
   * files at the commit); their digests enter the build key.
   */
  baseImages(ctx: BaseImagesContext): Promise<string[]>;
  /**
   * What of the repository enters the build key in place of the commit: e.g. the git object
   * ids of the folders and files the image is made from, so that a commit changing none of
   * them does not rebuild the service. Without it, the commit is in the key. Cheap (reads the
   * committed tree, runs no code); the planner keeps its answer for an unchanged commit.
   */
  sourceKey?(ctx: BaseImagesContext): Promise<Readonly<Record<string, string>>>;
  /** How the image is made: by a Docker engine, or written by the tool from files. */
  readonly image: ImageRecipe;
  /**
   * This build as the build config sets it up, for what the service leaves to the config (a
   * `docker` service's builder: `docker.builder`); problems go to `report`, at a path inside the
   * service. Absent: the build config changes nothing here.
   */
  configure?(config: { docker: Pick<BuildConfig['docker'], 'builder'> }, report: ReportProblem): ServiceBuild;
}

/** Records a problem at a path inside the service (`['secrets']`); the caller adds file and line. */
export type ReportProblem = (path: FieldPath, message: string, hint?: string) => void;

/** What `baseImages` and `sourceKey` may use: the committed files and the `images` map. */
export interface BaseImagesContext {
  commit: CommitSha;
  /** The file at `commit` (repository-relative path), or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** The committed tree at `commit`, read once per build and shared by every caller. */
  tree(): Promise<GitTree>;
  /** The build config's `images` map: replaces base images the build type itself chooses. */
  images: Readonly<Record<string, string>>;
}

/**
 * The two ways an image comes to be (src/builder/producers/ carries each out): an engine
 * builds and tags it (`engine`), or the build type says what goes into it and the tool writes
 * it, the same inputs giving the same digest anywhere (`tool`).
 */
export type ImageRecipe = EngineImageRecipe | ToolImageRecipe;

export interface EngineImageRecipe {
  readonly kind: 'engine';
  /** Builds the image on the engine the build was given; failures are UserErrors naming the service. */
  build(ctx: EngineBuildContext): Promise<void>;
}

export interface ToolImageRecipe {
  readonly kind: 'tool';
  /**
   * What can be known wrong before any step of any service runs (an image without the tools
   * the build needs): a UserError naming the service. The build checks every service first.
   */
  check?(ctx: CheckContext): Promise<void>;
  /** Runs the code steps and says what goes into the image; the tool writes, pushes or loads it. */
  assemble(ctx: ToolBuildContext): Promise<AppImage>;
}

/** What a check and a build may ask of the base images, without running a build step. */
export interface ImageQueries {
  /** Each base image (as `baseImages` named it) -> its registry digest, or its local image ID. */
  baseDigests: Readonly<Record<string, string>>;
  /**
   * The standard output of `cmd` run in a container of one of the base images: a question about
   * the image (which Node.js, which tools), kept per image digest and command in the base dir.
   * A failure is a UserError naming `label`.
   */
  probe(image: string, cmd: readonly string[], label: string): Promise<string>;
}

export interface CheckContext extends BaseImagesContext, ImageQueries {
  /** Values of the environment variables the service reads (`envNames`). */
  env: ReadonlyMap<string, string>;
}

/** A source other than the service's own repository, at its pinned commit (e.g. a buildpack). */
export interface ExtraSource {
  commit: CommitSha;
  /** Writes the committed tree of `subdir` ('' for the root) into `destDir`. */
  exportTree(subdir: string, destDir: string): Promise<void>;
}

/** What every build gets: the service's commit and files, its folders, output and stop signal. */
export interface BuildContext extends BaseImagesContext {
  /** Writes the committed tree of `subdir` ('' for the root) into `destDir`: no untracked files. */
  exportTree(subdir: string, destDir: string): Promise<void>;
  /** Keyed by the field that named them in `extraSources`. */
  extraSources: Readonly<Record<string, ExtraSource>>;
  /** Per-service scratch directory in the base dir: exists, may hold a previous run's leftovers. */
  workDir: string;
  /** Per-service persistent cache directory (buildpack cache and the like). */
  cacheDir: string;
  /** The step's full log (append). */
  logFile: string;
  /** Progress lines for the live display. */
  onLine(line: string): void;
  signal: AbortSignal;
  /** `--no-cache`: rebuild from nothing. */
  noCache: boolean;
  /**
   * The values of the secrets the service names (`ServiceBuild.secrets`), by id, in memory only:
   * never written to disk, a layer, a log or the key.
   */
  secrets: ReadonlyMap<string, Uint8Array>;
  /** Values of the environment variables the service reads (`envNames`), in memory only. */
  env: ReadonlyMap<string, string>;
  /**
   * Masks, in a line a step prints, every secret the build knows (its redactor's: `!env` values,
   * secrets, registry and source credentials): what every step writes to its log passes here.
   */
  redact(text: string): string;
}

/** An engine build: built and tagged on the engine chosen for the step. */
export interface EngineBuildContext extends BuildContext {
  /**
   * Builds a context with the engine's legacy builder and tags the result with the service's
   * tag; the executor adds the tag, `--no-cache`, layer reuse, output and failure wording.
   */
  buildImage(build: EngineBuild): Promise<void>;
  /**
   * A build that speaks to the engine itself (BuildKit's session and build request): `build`
   * gets the engine chosen for the step and what the executor adds, and resolves to the image
   * ID the engine reported, if any. A connection that fails is that engine not answering (with
   * several engines the step runs again on another); a build that ends with neither an image
   * ID nor an image under the tag is an engine that stopped.
   */
  buildOnEngine(build: (engine: BuildEngine) => Promise<string | undefined>): Promise<void>;
}

export interface EngineBuild {
  /** The build context as a tar stream, `.dockerignore` applied, the Dockerfile in it. */
  context: Readable;
  /** Dockerfile path inside the context. */
  dockerfile: string;
  buildArgs?: Record<string, string>;
  target?: string;
}

/** What a build that speaks to the engine itself gets of it and of the executor. */
export interface BuildEngine {
  /** Opens a new connection to the engine (its unix socket, TCP or TLS, an ssh pipe). */
  dial(): Duplex;
  /** The engine as messages name it (`DOCKER_HOST=…`, `tcp://builder-1:2376`). */
  name: string;
  /** The tag the image gets. */
  tag: string;
  /** Names the build in errors: `service "api": docker build`. */
  label: string;
  /** Images whose layer cache the build may import (the previous release's image, in its registry). */
  cacheFrom: readonly string[];
  /** Whether to write the layer cache into the image (`--push`), for `cacheFrom` on other engines. */
  inlineCache: boolean;
  /** The credentials for a registry host, for the engine's pulls of base and cache images. */
  registryLogin(host: string): Promise<RegistryCredentials | undefined>;
}

/** A build whose image the tool writes: code runs only in the steps it asks for. */
export interface ToolBuildContext extends BuildContext, ImageQueries {
  /** A warning for the user (the build goes on). */
  warn(message: string): void;
  /**
   * The committer time (seconds since 1970) of the last commit up to `commit` that changed any
   * of `paths` (repository-relative; '' is the whole tree): the time an image made of those
   * files carries, so that a commit that changed none of them gives the same image.
   */
  lastChange(paths: readonly string[]): Promise<number>;
  /**
   * Runs a code step in a container of `step.image` (through a Docker engine, or runc without
   * one). Writable folders hold the step's output afterwards, or, with `collect`, the collected
   * files come back as layer entries; output goes to the log.
   */
  runStep(step: CodeStep): Promise<StepResult>;
  /**
   * A layer kept in the base dir under `key`, which must name everything the layer is made of
   * (its entries get fixed timestamps, so the layer is a function of its key): reused as it is
   * when the base dir holds it, else made once by `make` and kept for the next build. Not
   * reused under `--no-cache`.
   */
  keyedLayer(key: string, make: () => Promise<MadeLayer>): Promise<KeyedLayer>;
  /**
   * An image of the engine's kept under `key` (which must name everything it is made of), for
   * later steps to start from: reused when the engine has it, else made by running `make` and
   * keeping its container as an image (`docker commit`: what the step wrote outside its memory
   * folders; its environment is not in the image's config). The engine keeps a service's two
   * latest. Not reused under `--no-cache`. Undefined when steps run without a Docker engine
   * (runc keeps no images): the caller then does the work in its own step.
   */
  keptImage(key: string, make: () => Promise<CodeStep>): Promise<KeptImage | undefined>;
}

/** An image `keptImage` made or found. */
export interface KeptImage {
  /** For `CodeStep.image`. */
  ref: string;
  reused: boolean;
}

/** What a code step gives back. */
export interface StepResult {
  /** With `collect`: the collected files, sorted, at their container paths (`app/node_modules/…`). */
  collected?: CollectedFiles;
}

/** Files a step left, readable until `close`. */
export interface CollectedFiles {
  entries: readonly LayerEntry[];
  close(): Promise<void>;
}

/** A layer `make` produced for `keyedLayer`, and what to remember of it. */
export interface MadeLayer {
  /** Sorted by path. */
  entries: readonly LayerEntry[];
  /** JSON data kept with the layer and given back when it is reused (e.g. names for a warning). */
  notes: Readonly<Record<string, unknown>>;
  /** Called once the entries are written (they may live in files of a step's `collect`). */
  close?(): Promise<void>;
}

/** A layer of the base dir, to be placed in an image (`AppLayer`). */
export interface KeyedLayer {
  readonly key: string;
  /** Whether it was there already (no step ran to make it). */
  readonly reused: boolean;
  readonly notes: Readonly<Record<string, unknown>>;
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
  /** One of the service's `baseImages`, or a `keptImage`'s ref. */
  image: string;
  cmd: string[];
  env?: Record<string, string>;
  /** `uid:gid`; default the image's user. Writable folders are owned by it. */
  user?: string;
  workingDir: string;
  folders: StepFolder[];
  /** Names the step in failure messages, e.g. `service "api": bin/compile`. */
  label: string;
  /**
   * Container paths whose files come back as layer entries instead of the writable folders
   * being copied back: what is not there (or is empty) is skipped, and paths `exclude` names
   * are left out (with what is under them). `inMemory`: in a container of a Docker engine the
   * paths are memory file systems, so the step's output there never reaches the engine's disk
   * and nothing is left to delete afterwards (their contents must fit in its memory).
   * `leaveOut`: names of folders `exclude` drops wherever they are, which the engine's container
   * then does not even archive where its `tar` can (a build's 200 MB `node_modules` took
   * seconds to send). The image needs `/bin/sh` and `tar`.
   */
  collect?: {
    paths: readonly string[];
    exclude?: (path: string) => boolean;
    inMemory?: boolean;
    leaveOut?: readonly string[];
  };
  /**
   * Files placed in a memory file system at `/run/secrets/<name>` for this step only (read-only
   * to it): never on disk, in a layer, in the container's config or in the log.
   */
  secretFiles?: ReadonlyMap<string, Uint8Array>;
  /**
   * Container paths given memory file systems in a container of a Docker engine: scratch that
   * must not stay in a kept image (a package manager's cache). Plain folders under runc.
   */
  memoryFolders?: readonly string[];
  /** The way out of a failure of this step, chosen from what it printed (its part of the log); put before other hints. */
  hint?: (lastLines: readonly string[]) => string | undefined;
}

/** What a tool-written build made: its layers on top of `base`, and the container settings. */
export interface AppImage {
  /** The image the result is made on: one of `baseImages`. */
  base: string;
  layers: AppLayer[];
  settings: ImageSettings;
  /** Seconds since 1970: every time in the image. Default: the committer time of the commit. */
  epoch?: number;
  /** Called once the layers are written, whatever happened (files of a step's `collect` may go). */
  done?(): Promise<void>;
}

/** One layer of an image the tool writes: made of sources now, or a keyed layer of the base dir. */
export type AppLayer =
  { createdBy: string; sources: LayerSource[] } | { createdBy: string; keyed: KeyedLayer };
