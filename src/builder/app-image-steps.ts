import { rm } from 'node:fs/promises';
import type { Emit } from '../core/events.js';
import { UserError, InternalError } from '../core/user-error.js';
import { MEDIA_TYPES } from '../inputs/oci-types.js';
import type { Digest, ImageRef, RegistryCredentials } from '../inputs/types.js';
import { pinnedRef, type AppBaseSources } from './app-base-images.js';
import { runcStateDir, stepLogFile } from './build-layout.js';
import type { Decision } from './decide-action.js';
import type { Step } from './graph/step.js';
import type { AppBuildTypeHandler } from './image/build-type.js';
import type { DockerEngine } from './image/docker-engine.js';
import type { BaseImageDigest } from './image/resolve-base-image-digests.js';
import { runCodeStep, type CodeStepRuntime } from './image/run-code-step.js';
import { ANNOTATIONS, type LayoutImage, type OciLayout } from './oci/oci-layout.js';
import type { PreparedService } from './prepare-service.js';
import { buildContextBase, freshBuildDirs, recordLastBuild, type StepOptions } from './service-steps.js';
import { commitTime } from './source/commit-time.js';

export interface AppStepOptions extends Omit<StepOptions, 'engine' | 'pushed'> {
  /** Where the build step's code steps run (on several engines: the one the step was given). */
  engine: DockerEngine;
  /** The first engine: the local daemon images are loaded into without `--push`. */
  daemon: DockerEngine;
  /** Why the first engine cannot be used (then code steps run with runc), or undefined. */
  engineUnreachable(): Promise<string | undefined>;
  layout: OciLayout;
  bases: AppBaseSources;
  /** Receives the manifest digest of each image written, loaded, pulled or pushed. */
  imageDigest(service: string, digest: Digest): void;
  emit: Emit;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
}

/**
 * The graph steps of a service whose image the tool writes (node, heroku-buildpack): `build`
 * (code steps in containers, then the image into the base dir's layout, then, without
 * `--push`, into the local daemon), `push` (from the layout, straight to the registry), `load`
 * (from the layout into the daemon) or `pull` (from the registry into the layout and daemon).
 */
export function appServiceSteps(p: PreparedService, d: Decision, opts: AppStepOptions): Step[] {
  const name = p.repo.name;
  const tag = p.tag;
  const handler = p.handler as AppBuildTypeHandler;
  if (tag === undefined || d.action === 'skip') return [];
  const lines = (step: string) => (line: string) =>
    opts.emit({ kind: 'log-line', service: name, step, line });
  const steps: Step[] = [];
  const step = (s: Omit<Step, 'id' | 'service' | 'deps'>, deps: string[] = []) =>
    steps.push({ ...s, id: `${name}:${s.name}`, service: name, deps });

  if (d.action === 'build') {
    const logFile = stepLogFile(opts.baseDir, name, 'build');
    step({
      name: 'build',
      pool: 'image',
      logFile,
      run: async ({ signal }) => {
        const { workDir, cacheDir } = await freshBuildDirs(opts.baseDir, name, logFile);
        const onLine = lines('build');
        const runtime = codeStepRuntime(p, opts, signal);
        const app = await handler.assemble({
          ...buildContextBase(p, { workDir, cacheDir, logFile, signal, onLine }, opts),
          runStep: (s) => runCodeStep(s, { logFile, onLine, signal }, runtime),
        });
        const base = baseOf(p, app.base);
        const { writeImage } = await import('./oci/write-image.js');
        const image = await writeImage(opts.layout, {
          ref: tag,
          service: name,
          base: await opts.bases.inLayout(base),
          ...(base.source === 'registry' ? { baseRegistryRef: pinnedRef(base) } : {}),
          layers: app.layers,
          settings: app.settings,
          epoch: await commitTime(p.source.clonePath, p.source.commit),
        });
        onLine(`image ${image.descriptor.digest} written to ${opts.layout.dir}`);
        await rm(workDir, { recursive: true, force: true });
        if (!opts.push) await loadIntoDaemon(image, opts, signal);
        opts.imageDigest(name, image.descriptor.digest);
        await recordLastBuild(p, opts);
      },
    });
  }
  if ((d.action === 'build' && opts.push) || d.action === 'push') {
    step(
      {
        name: 'push',
        pool: 'push',
        logFile: stepLogFile(opts.baseDir, name, 'push'),
        run: async ({ signal }) => {
          const image = await builtImage(opts.layout, tag);
          const digest = await pushFromLayout(image, opts, lines('push'), signal);
          opts.imageDigest(name, digest);
          opts.emit({ kind: 'image-pushed', service: name, ref: tag.slice(0, tag.lastIndexOf(':')), digest });
        },
      },
      d.action === 'build' ? [`${name}:build`] : [],
    );
  }
  if (d.action === 'load' || d.action === 'pull') {
    step({
      name: d.action,
      pool: 'push',
      run: async ({ signal }) => {
        const image =
          d.action === 'load'
            ? await builtImage(opts.layout, tag)
            : await pullIntoLayout(tag, name, opts, signal);
        await loadIntoDaemon(image, opts, signal);
        opts.imageDigest(name, image.descriptor.digest);
        await recordLastBuild(p, opts);
      },
    });
  }
  return steps;
}

function baseOf(p: PreparedService, ref: string): BaseImageDigest {
  const base = p.bases?.find((b) => b.ref === ref);
  if (base === undefined) throw new InternalError(`${p.repo.name} has no resolved base image ${ref}`);
  return base;
}

/** How this service's code steps reach a container of one of its base images. */
function codeStepRuntime(p: PreparedService, opts: AppStepOptions, signal: AbortSignal): CodeStepRuntime {
  return {
    engine: opts.engine,
    engineUnreachable: opts.engineUnreachable,
    runcStateDir: runcStateDir(opts.baseDir),
    async engineImage(ref) {
      const base = baseOf(p, ref);
      // The keyed image exactly: its ID, or its registry digest (pulled once if missing).
      if (base.source === 'local') return base.digest;
      const pinned = pinnedRef(base);
      if (!(await opts.engine.imageExists(pinned)))
        await opts.engine.pull(pinned, await opts.authFor(pinned), signal);
      return pinned;
    },
    async imageSource(ref) {
      const base = baseOf(p, ref);
      return base.source === 'registry'
        ? await opts.bases.fromRegistry(base)
        : await opts.bases.inLayout(base);
    },
  };
}

async function builtImage(layout: OciLayout, tag: ImageRef): Promise<LayoutImage> {
  const image = await layout.findImage(tag);
  if (image === undefined) throw new UserError({ message: `the image ${tag} is no longer in ${layout.dir}` });
  return image;
}

/**
 * Pushes the image's blobs (the base's mounted from the base's repository when that is on the
 * same registry) and then its manifest; the registry must store exactly our manifest digest.
 */
async function pushFromLayout(
  image: LayoutImage,
  opts: AppStepOptions,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<Digest> {
  const { pushImage } = await import('./registry/push-image.js');
  const baseRef = image.annotations[ANNOTATIONS.base];
  const baseLayers = Number(image.annotations[ANNOTATIONS.baseLayers] ?? 0);
  const blob = (d: { mediaType: string; digest: Digest; size: number }, mountFrom?: string) => ({
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    open: async () => opts.layout.openBlob(d.digest),
    ...(mountFrom !== undefined ? { mountFrom } : {}),
  });
  const ref = image.ref as ImageRef;
  const service = image.annotations[ANNOTATIONS.service] ?? ref;
  const digest = await pushImage({
    ref,
    manifest: { mediaType: MEDIA_TYPES.ociManifest, bytes: image.manifestBytes },
    blobs: [
      blob(image.manifest.config),
      ...image.manifest.layers.map((l, i) => blob(l, i < baseLayers ? baseRef : undefined)),
    ],
    auth: await opts.authFor(ref),
    signal,
    onLine,
  }).catch((e: unknown) => {
    if (!(e instanceof UserError)) throw e;
    // The registry client names the registry; the user also needs the service and the image.
    const problems = e.problems.map((p) => ({
      ...p,
      message: `service "${service}": pushing ${ref} failed: ${p.message}`,
    }));
    throw new UserError(problems, { exitCode: e.exitCode, details: e.details, cause: e });
  });
  if (digest !== image.descriptor.digest) {
    throw new InternalError(`pushed ${ref} as ${digest}, written as ${image.descriptor.digest}`);
  }
  return digest;
}

/**
 * `docker load` of the image, so `docker run <tag>` works; the daemon's image ID must be the
 * config digest. With no daemon, the image stays in the layout and a warning says where.
 */
async function loadIntoDaemon(image: LayoutImage, opts: AppStepOptions, signal: AbortSignal): Promise<void> {
  const service = image.annotations[ANNOTATIONS.service] ?? image.ref;
  const down = await opts.engineUnreachable();
  if (down !== undefined) {
    opts.emit({
      kind: 'warning',
      message: `service "${service}": not loaded into a Docker daemon (${down}); the image ${image.ref} is in the image layout ${opts.layout.dir}`,
    });
    return;
  }
  const { dockerLoadArchive } = await import('./oci/docker-load-archive.js');
  const label = `service "${service}": loading the image into the Docker daemon`;
  await opts.daemon.loadImage(dockerLoadArchive(opts.layout, image), label, signal);
  const id = (await opts.daemon.imageInfo(image.ref))?.id;
  if (id !== image.manifest.config.digest) {
    throw new UserError({
      message: `${label} failed: the daemon has it as ${id ?? 'nothing'}, not ${image.manifest.config.digest}`,
    });
  }
}

/**
 * The image `tag` from its registry into the layout, when it is one the tool wrote (its manifest
 * is the canonical form of what the registry gives); anything else is an error.
 */
async function pullIntoLayout(
  tag: ImageRef,
  service: string,
  opts: AppStepOptions,
  signal: AbortSignal,
): Promise<LayoutImage> {
  const { fetchImage } = await import('./registry/fetch-image.js');
  const source = await fetchImage(tag, await opts.authFor(tag), { signal });
  if (source === undefined)
    throw new UserError({ message: `service "${service}": ${tag} is no longer in its registry` });
  await opts.layout.writeBlob(source.configBytes, source.configDigest);
  for (const layer of source.layers) {
    if (!(await opts.layout.hasBlob(layer.digest)))
      await opts.layout.writeBlob(await layer.open(), layer.digest);
  }
  const { composeManifest } = await import('./oci/image-manifest.js');
  const written = await opts.layout.writeJsonBlob(
    composeManifest({ digest: source.configDigest, size: source.configBytes.length }, source.layers),
  );
  if (written.digest !== source.manifestDigest) {
    throw new UserError({
      message: `service "${service}": ${tag} in the registry is not an image this tool wrote (manifest ${source.manifestDigest ?? 'unknown'})`,
      hint: 'build with --no-cache to make it again',
    });
  }
  await opts.layout.putImage(tag, written, { [ANNOTATIONS.service]: service });
  return await builtImage(opts.layout, tag);
}
