import { InternalError, UserError } from '../../core/user-error.js';
import { MEDIA_TYPES } from '../../inputs/oci-types.js';
import type { Digest, ImageRef, RegistryCredentials } from '../../inputs/types.js';
import type { DockerEngine } from '../engines/docker-engine.js';
import type { Emit, Event } from '../../core/events.js';
import { ANNOTATIONS, type LayoutImage, type OciLayout } from '../oci/oci-layout.js';

/** What moving an image between the base dir's layout, a registry and a daemon needs. */
export interface LayoutImageOptions {
  layout: OciLayout;
  /** The first engine: the local daemon images are loaded into without `--push`. */
  daemon: DockerEngine;
  /** Why the first engine cannot be used, or undefined. */
  engineUnreachable(): Promise<string | undefined>;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  emit: Emit;
}

/** The image `tag` as the layout holds it; gone from it is a UserError. */
export async function builtImage(layout: OciLayout, tag: ImageRef): Promise<LayoutImage> {
  const image = await layout.findImage(tag);
  if (image === undefined) throw new UserError({ message: `the image ${tag} is no longer in ${layout.dir}` });
  return image;
}

/**
 * Pushes the image's blobs (the base's mounted from the base's repository when that is on the
 * same registry) and then its manifest; the registry must store exactly our manifest digest.
 */
export async function pushFromLayout(
  image: LayoutImage,
  opts: LayoutImageOptions,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<Digest> {
  const { pushImage } = await import('../registry/push-image.js');
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
export async function loadIntoDaemon(
  image: LayoutImage,
  opts: LayoutImageOptions,
  signal: AbortSignal,
): Promise<void> {
  const service = image.annotations[ANNOTATIONS.service] ?? image.ref;
  const down = await opts.engineUnreachable();
  if (down !== undefined) {
    opts.emit(notLoadedWarning(service, down, image.ref, opts.layout.dir));
    return;
  }
  const { loadWholeImage } = await import('./load-new-image.js');
  const label = `service "${service}": loading the image into the Docker daemon`;
  await loadWholeImage(opts.daemon, opts.layout, image, label, signal);
}

/**
 * The image `tag` from its registry into the layout, when it is one the tool wrote (its manifest
 * is the canonical form of what the registry gives); anything else is an error.
 */
export async function pullIntoLayout(
  tag: ImageRef,
  service: string,
  opts: LayoutImageOptions,
  signal: AbortSignal,
): Promise<LayoutImage> {
  const { fetchImage } = await import('../registry/fetch-image.js');
  const source = await fetchImage(tag, await opts.authFor(tag), { signal });
  if (source === undefined)
    throw new UserError({ message: `service "${service}": ${tag} is no longer in its registry` });
  await opts.layout.writeBlob(source.configBytes, source.configDigest);
  for (const layer of source.layers) {
    if (!(await opts.layout.hasBlob(layer.digest)))
      await opts.layout.writeBlob(await layer.open(), layer.digest);
  }
  const { composeManifest } = await import('../oci/image-manifest.js');
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

/** The warning of an image that stays in the layout because no daemon answers. */
export function notLoadedWarning(service: string, down: string, ref: string, layoutDir: string): Event {
  return {
    kind: 'warning',
    message: `service "${service}": not loaded into a Docker daemon (${down}); the image ${ref} is in the image layout ${layoutDir}`,
  };
}
