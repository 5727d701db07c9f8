import { InternalError } from '../../core/user-error.js';
import {
  MEDIA_TYPES,
  type ImageSettings,
  type ImageSource,
  type LayerSource,
} from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { composeImageConfig } from './image-config.js';
import { composeManifest } from './image-manifest.js';
import { writeLayer } from './layer-writer.js';
import { ANNOTATIONS, type LayoutImage, type OciLayout } from './oci-layout.js';

export interface ImageLayerSpec {
  createdBy: string;
  sources: LayerSource[];
}

export interface WriteImageOptions {
  /** The tag the image is known by, e.g. `registry/prefix/web:SVC-<key>`. */
  ref: string;
  service: string;
  /** The base image; its layer blobs must already be in the layout. */
  base: ImageSource;
  /** `<repository>@sha256:…` when the base's layers are its registry's own blobs. */
  baseRegistryRef?: string;
  layers: readonly ImageLayerSpec[];
  settings: ImageSettings;
  /** Seconds since 1970: every timestamp in the image. */
  epoch: number;
}

/**
 * Writes an image into the layout: our layers, then the config and the manifest as canonical
 * JSON (sorted keys, no spaces), then its `index.json` entry, which is what makes it count as
 * built. The base's layers are referenced as they are (their registry descriptors), never
 * rebuilt or recompressed. OCI media types for everything we write.
 */
export async function writeImage(layout: OciLayout, opts: WriteImageOptions): Promise<LayoutImage> {
  const written = [];
  for (const layer of opts.layers) {
    written.push({ ...(await writeLayer(layout, layer.sources, opts.epoch)), createdBy: layer.createdBy });
  }
  for (const l of opts.base.layers) {
    if (!(await layout.hasBlob(l.digest))) {
      throw new InternalError(`base layer ${l.digest} of ${opts.base.display} is not in ${layout.dir}`);
    }
  }
  const config = composeImageConfig(opts.base.config, written, opts.settings, opts.epoch);
  const configBlob = await layout.writeJsonBlob(config);
  const manifest = composeManifest(configBlob, [...opts.base.layers, ...written.map((w) => w.descriptor)]);
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
      digest: manifestBlob.digest as Digest,
      size: manifestBlob.size,
      annotations: { ...annotations, [ANNOTATIONS.ref]: opts.ref },
    },
    manifest,
    manifestBytes: manifestBlob.bytes,
    annotations,
  };
}
