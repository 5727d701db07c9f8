import { InternalError } from '../../core/user-error.js';
import {
  MEDIA_TYPES,
  type ImageSettings,
  type ImageSource,
  type OciDescriptor,
} from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { composeImageConfig } from './image-config.js';
import { composeManifest } from './image-manifest.js';
import { ANNOTATIONS, type LayoutImage, type OciLayout } from './oci-layout.js';

/**
 * A layer of an image being written: its diff ID is known (the config needs only that), its
 * compressed blob may still be on its way into the layout (the manifest waits for it).
 */
export interface ImageLayer {
  createdBy: string;
  diffId: Digest;
  descriptor: OciDescriptor | Promise<OciDescriptor>;
}

export interface ImageConfigOptions {
  /** The base image; its layer blobs must be in the layout before the image is written. */
  base: ImageSource;
  layers: readonly ImageLayer[];
  settings: ImageSettings;
  /** Seconds since 1970: every timestamp in the config. */
  epoch: number;
}

export interface WriteImageOptions extends ImageConfigOptions {
  /** The tag the image is known by, e.g. `registry/prefix/web:SVC-<key>`. */
  ref: string;
  service: string;
  /** `<repository>@sha256:…` when the base's layers are its registry's own blobs. */
  baseRegistryRef?: string;
  /** The config blob `writeImageConfig` wrote for these options. */
  config: { digest: Digest; size: number };
}

/**
 * The config of the image, as canonical JSON (sorted keys, no spaces) into the layout: known
 * before the layers are compressed, so a daemon can load the image meanwhile.
 */
export async function writeImageConfig(
  layout: OciLayout,
  opts: ImageConfigOptions,
): Promise<{ digest: Digest; size: number; bytes: Buffer }> {
  const config = composeImageConfig(opts.base.config, opts.layers, opts.settings, opts.epoch);
  return await layout.writeJsonBlob(config);
}

/**
 * Writes an image into the layout once its layers are: the manifest as canonical JSON, then
 * its `index.json` entry, which is what makes it count as built. The base's layers are
 * referenced as they are (their registry descriptors), never rebuilt or recompressed. OCI
 * media types for everything we write.
 */
export async function writeImage(layout: OciLayout, opts: WriteImageOptions): Promise<LayoutImage> {
  const written = await Promise.all(opts.layers.map((l) => l.descriptor));
  for (const l of opts.base.layers) {
    if (!(await layout.hasBlob(l.digest))) {
      throw new InternalError(`base layer ${l.digest} of ${opts.base.display} is not in ${layout.dir}`);
    }
  }
  const manifest = composeManifest(opts.config, [...opts.base.layers, ...written]);
  const manifestBlob = await layout.writeJsonBlob(manifest);
  const annotations: Record<string, string> = {
    [ANNOTATIONS.service]: opts.service,
    [ANNOTATIONS.baseLayers]: String(opts.base.layers.length),
    ...(opts.baseRegistryRef !== undefined ? { [ANNOTATIONS.base]: opts.baseRegistryRef } : {}),
  };
  await layout.putImage(opts.ref, manifestBlob, annotations);
  return {
    ref: opts.ref,
    descriptor: {
      mediaType: MEDIA_TYPES.ociManifest,
      digest: manifestBlob.digest,
      size: manifestBlob.size,
      annotations: { ...annotations, [ANNOTATIONS.ref]: opts.ref },
    },
    manifest,
    manifestBytes: manifestBlob.bytes,
    annotations,
  };
}
