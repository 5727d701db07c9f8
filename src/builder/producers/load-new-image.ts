import { UserError } from '../../core/user-error.js';
import type { DockerEngine } from '../engines/docker-engine.js';
import { dockerLoadArchive, slimLoadArchive, type LoadLayer } from '../oci/docker-load-archive.js';
import type { LayoutImage, OciLayout } from '../oci/oci-layout.js';
import type { EarlyLoad } from './early-load.js';

export interface NewImage {
  ref: string;
  configBytes: Buffer;
  configDigest: string;
  /** Every layer, base first: its diff ID and a file of its tar (gzip or not). */
  layers: ReadonlyArray<{ diffId: string; file: string; size: number }>;
  /** Images the daemon may hold that share the first layers (the base, the service's last image). */
  related: readonly string[];
}

/**
 * Loads a just-written image into the daemon with `slimLoadArchive`: only the layers after
 * the longest chain the daemon has, a new layer as its uncompressed tar (so the daemon takes it
 * while the layout still compresses it). When the daemon refuses that, or loads something else,
 * the whole image is loaded once it is complete (`complete`); either way the daemon's image ID
 * must be the config digest. Returns how many layers were sent.
 */
export async function loadNewImage(
  daemon: DockerEngine,
  image: NewImage,
  how: {
    complete: () => Promise<{ layout: OciLayout; image: LayoutImage }>;
    label: string;
    /** Called once the slim archive has all gone to the daemon, or the slim load failed. */
    onSent?: () => void;
    /** A load opened before the image was written: the slim archive goes there if it is still open. */
    early?: EarlyLoad;
  },
  signal: AbortSignal,
): Promise<number> {
  const { complete, label } = how;
  const have = await layersDaemonHas(daemon, image);
  const layers: LoadLayer[] = image.layers.map((l, i) => ({ ...l, file: i < have ? undefined : l.file }));
  try {
    if (how.early?.open) await how.early.finish(image.ref, image.configBytes, layers, how.onSent);
    else {
      const archive = slimLoadArchive(image.ref, image.configBytes, layers);
      if (how.onSent) archive.once('end', how.onSent);
      await daemon.loadImage(archive, label, signal);
    }
    if ((await daemon.imageInfo(image.ref))?.id === image.configDigest) return image.layers.length - have;
  } catch (e) {
    if (signal.aborted) throw e;
  } finally {
    how.onSent?.();
  }
  const { layout, image: written } = await complete();
  await loadWholeImage(daemon, layout, written, label, signal);
  return image.layers.length;
}

/** The whole image from the layout into the daemon, which must then hold it under its config digest. */
export async function loadWholeImage(
  daemon: DockerEngine,
  layout: OciLayout,
  image: LayoutImage,
  label: string,
  signal: AbortSignal,
): Promise<void> {
  await daemon.loadImage(dockerLoadArchive(layout, image), label, signal);
  const id = (await daemon.imageInfo(image.ref))?.id;
  if (id !== image.manifest.config.digest) {
    throw new UserError({
      message: `${label} failed: the daemon has it as ${id ?? 'nothing'}, not ${image.manifest.config.digest}`,
    });
  }
}

/** How many of the image's first layers the daemon has as a chain, judged by the related images. */
async function layersDaemonHas(daemon: DockerEngine, image: NewImage): Promise<number> {
  let shared = 0;
  for (const ref of image.related) {
    const have = (await daemon.imageInfo(ref).catch(() => undefined))?.layers ?? [];
    let n = 0;
    while (n < have.length && n < image.layers.length && have[n] === image.layers[n]?.diffId) n++;
    shared = Math.max(shared, n);
  }
  return shared;
}
