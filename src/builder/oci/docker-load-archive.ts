import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { canonicalJson } from '../../core/canonical-json.js';
import { MEDIA_TYPES } from '../../inputs/oci-types.js';
import { addEntry } from './layer-writer.js';
import { ANNOTATIONS, type LayoutImage, type OciLayout } from './oci-layout.js';

/**
 * One image of the layout as a tar that `docker load` (POST /images/load) reads: an OCI image
 * layout (`oci-layout`, `index.json`, `blobs/sha256/…`) plus the docker-archive
 * `manifest.json` pointing into the same blobs, as `docker save` of Docker 25 and later
 * writes it. Docker 20.10 reads only `manifest.json` (and decompresses gzip layers itself);
 * newer engines read either. The loaded image's ID is the config digest.
 */
export function dockerLoadArchive(layout: OciLayout, image: LayoutImage): Readable {
  const pack = tarStream.pack();
  const mtime = new Date(0);
  const file = (name: string, content: string | Buffer) =>
    addEntry(pack, { name, mtime, mode: 0o644 }, Buffer.from(content));
  const blobName = (digest: string) => `blobs/sha256/${digest.replace(/^sha256:/, '')}`;
  void (async () => {
    try {
      await file('oci-layout', canonicalJson({ imageLayoutVersion: '1.0.0' }));
      await file(
        'index.json',
        canonicalJson({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociIndex,
          manifests: [{ ...image.descriptor, annotations: { [ANNOTATIONS.ref]: image.ref } }],
        }),
      );
      await file(
        'manifest.json',
        JSON.stringify([
          {
            Config: blobName(image.manifest.config.digest),
            RepoTags: [image.ref],
            Layers: image.manifest.layers.map((l) => blobName(l.digest)),
          },
        ]),
      );
      await file(blobName(image.descriptor.digest), image.manifestBytes);
      await file(blobName(image.manifest.config.digest), await layout.readBlob(image.manifest.config.digest));
      const seen = new Set<string>();
      for (const layer of image.manifest.layers) {
        if (seen.has(layer.digest)) continue;
        seen.add(layer.digest);
        const header = { name: blobName(layer.digest), mtime, mode: 0o644, size: layer.size };
        await addEntry(pack, header, layout.openBlob(layer.digest));
      }
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return Readable.from(pack);
}
