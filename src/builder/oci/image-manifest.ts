import { MEDIA_TYPES, type OciDescriptor, type OciManifest } from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';

/**
 * An OCI manifest of a config and layers. Layer descriptors keep only what identifies the blob
 * (media type, digest, size, annotations), so the same image always has the same manifest
 * bytes once written as canonical JSON.
 */
export function composeManifest(
  config: { digest: Digest; size: number },
  layers: readonly OciDescriptor[],
): OciManifest {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map(({ mediaType, digest, size, annotations }) => ({
      mediaType,
      digest,
      size,
      ...(annotations !== undefined ? { annotations } : {}),
    })),
  };
}
