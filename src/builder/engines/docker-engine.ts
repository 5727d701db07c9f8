import type { Duplex, Readable } from 'node:stream';
import type { Digest, ImageRef, RegistryCredentials } from '../../inputs/types.js';
import type { CopyIn, CopyOut } from './container-files.js';

/** What the daemon knows of a local image. */
export interface ImageInfo {
  /** `sha256:…` image ID (the config digest). */
  id: string;
  /** `repo@sha256:…` for every registry the image was pushed to or pulled from. */
  repoDigests: string[];
  /** The diff IDs of its layers, base first (`RootFS.Layers`): what a load need not send again. */
  layers?: string[];
}

/** Where a long-running engine operation sends its output, and how it is stopped. */
export interface EngineOutput {
  /** Full output is appended here (created with its folder). */
  logFile: string;
  /** Each output line, for the live display. */
  onLine(line: string): void;
  signal: AbortSignal;
  /**
   * Names the work in failure messages, e.g. `service "api": docker build`: a failure
   * becomes the UserError `<label> failed: <reason>` with the log's last lines and path.
   */
  label: string;
  /**
   * Masks the secrets a step may print, in its log file, whose lines are then written whole
   * (events and errors are masked on their way out anyway).
   */
  redact?: (text: string) => string;
}

export interface BuildImageOptions extends EngineOutput {
  /** The build context as a tar stream (`.dockerignore` applied, the Dockerfile in it). */
  context: Readable;
  /** Dockerfile path inside the context. */
  dockerfile: string;
  tag: ImageRef;
  buildArgs?: Record<string, string>;
  target?: string;
  /** No layer cache (and never pull base images: they are resolved and pulled beforehand). */
  noCache: boolean;
  /**
   * Images on the engine whose layers the build may reuse (`--cache-from`). With the legacy
   * builder they must be on the engine already, and only their layers count as cache then.
   */
  cacheFrom?: string[];
}

/** A BuildKit build: the caller's client speaks to the engine, which lends it connections. */
export interface BuildkitOnEngineOptions extends Omit<EngineOutput, 'onLine'> {
  tag: ImageRef;
  noCache: boolean;
  /**
   * Images whose BuildKit cache the build may import: images in a registry (pinned by digest),
   * which BuildKit reads itself, so nothing is pulled first.
   */
  cacheFrom?: string[];
  /** Runs the build over new connections from `dial`; resolves to the image ID the engine reported. */
  run(engine: {
    dial: () => Duplex;
    name: string;
    cacheFrom: readonly string[];
  }): Promise<string | undefined>;
}

export interface RunContainerOptions extends EngineOutput {
  image: string;
  cmd: string[];
  env?: Record<string, string>;
  /** `uid[:gid]` or a user name. */
  user?: string;
  workingDir?: string;
  /** Host folders copied into the container before it starts (works with a remote engine too). */
  copyIn?: CopyIn[];
  /** Container folders copied back after a successful run, each replacing its host folder. */
  copyOut?: CopyOut[];
  /**
   * Folders the command's output is taken from: once the command exits 0, `tar` in the
   * container writes those of `paths` that exist and are not empty to its standard output
   * (names relative to `/`: `app/node_modules/…`), which `read` consumes as it comes; the
   * command's own standard output goes to the log with its standard error. `inMemory`: the
   * paths are memory file systems (tmpfs), so what the command writes there never reaches the
   * engine's disk and nothing is left to delete when the container goes (deleting the 20,000
   * files of a `node_modules` from a container's layer takes seconds). `leaveOut`: names of
   * folders `tar` leaves out wherever they are, where it has `--exclude` (the reader must drop
   * them too: some busybox builds lack it). Needs `/bin/sh` and `tar` in the image.
   */
  collect?: {
    paths: readonly string[];
    inMemory?: boolean;
    leaveOut?: readonly string[];
    read(archive: Readable): Promise<void>;
  };
  /**
   * Files in a memory file system at `dir` (tmpfs), fed through the container's standard input
   * before the command starts (`/bin/sh` and `dd` in the image do it): never on any disk, in
   * the container's config or in the log.
   */
  secretFiles?: { dir: string; files: ReadonlyMap<string, Uint8Array> };
  /**
   * After a run that succeeded, the container is removed while the caller goes on, and the
   * removal handed here, for the caller to wait for before it ends (the removal takes a fifth
   * of a second, on the build's path otherwise). A failed or interrupted run is removed before
   * `runContainer` returns, as without it.
   */
  removeLater?(removal: Promise<void>): void;
  /** Container paths given memory file systems (tmpfs), as `collect.inMemory` does for its own. */
  memoryFolders?: readonly string[];
  /**
   * After a run that succeeded, the container becomes the image `ref` (`docker commit`) with
   * these labels, before it is removed: its writable layer (not the memory file systems). `env`
   * then reaches the command through a file in memory, not the container's config, which the
   * image would keep.
   */
  keepAs?: { ref: string; labels: Readonly<Record<string, string>> };
}

/** A local image as the engine lists it. */
export interface ListedImage {
  id: string;
  /** Seconds since 1970. */
  created: number;
}

/**
 * Docker Engine access for the build. Queries (`imageInfo`, `imageExists`) are a single cheap
 * HTTP GET on the engine socket; everything else loads dockerode on first use. Every failure a
 * user can act on (daemon unreachable, build or push failed, refused credentials) is a UserError.
 */
export interface DockerEngine {
  /** The local image `ref`, or undefined when the daemon has no such image. */
  imageInfo(ref: string): Promise<ImageInfo | undefined>;
  imageExists(ref: string): Promise<boolean>;
  /** Pulls `ref` with these registry credentials (sent in memory, never written to disk). */
  pull(ref: string, auth: RegistryCredentials | undefined, signal?: AbortSignal): Promise<void>;
  /** Adds the tag `target` to the local image `source`. */
  tag(source: string, target: ImageRef): Promise<void>;
  /** Pushes `ref` and returns the manifest digest the registry stored. */
  push(
    ref: ImageRef,
    auth: RegistryCredentials | undefined,
    onLine: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<Digest>;
  /** Removes the tag (and the image when it was the last tag); a missing image is fine. */
  removeImage(ref: string): Promise<void>;
  /** The local images carrying `label` (`name=value`). */
  imagesLabelled(label: string): Promise<ListedImage[]>;
  /** Builds with the legacy builder and tags the result `opts.tag`. */
  buildImage(opts: BuildImageOptions): Promise<void>;
  /**
   * A BuildKit build run by `opts.run` over connections to this engine. A connection that fails
   * becomes the error naming this engine as unreachable; a build that reports no image ID
   * counts only when the tag is on the engine afterwards.
   */
  buildWithBuildkit(opts: BuildkitOnEngineOptions): Promise<void>;
  /** Runs a container to completion; it is removed afterwards, and killed on abort. */
  runContainer(opts: RunContainerOptions): Promise<void>;
  /** Undefined when the daemon answers; else why not (`cannot reach the Docker daemon at …`). */
  unreachable(): Promise<string | undefined>;
  /** `docker save` of one image: the docker-archive tar. */
  exportImage(ref: string, signal?: AbortSignal): Promise<Readable>;
  /** `docker load` of a tar (docker-archive `manifest.json`, optionally beside an OCI layout). */
  loadImage(archive: Readable, label: string, signal?: AbortSignal): Promise<void>;
}
