import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { canonicalJson } from '../../core/canonical-json.js';
import { MEDIA_TYPES } from '../../inputs/oci-types.js';
import { sha256Digest } from './digest-tap.js';
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

/** One layer of a slim `docker load` archive: the file of its tar (gzip or not), or none to send. */
export interface LoadLayer {
  diffId: string;
  size: number;
  /** Undefined: the daemon has this layer's chain already, and never opens it. */
  file: string | undefined;
}

/**
 * The docker-archive form alone (`manifest.json`, the config, `<diff ID>/layer.tar` per layer)
 * for a daemon that already has some of the image:
 * - layers whose chain the daemon holds (the base, the previous image's dependency layer) are
 *   left out: Docker's loader (image/tarexport/load.go) looks a layer's chain ID up first and
 *   opens its file only when the chain is missing, so after a one-line change only the app
 *   layer travels, not the tens of megabytes the daemon would unpack and throw away;
 * - a new layer may be its uncompressed tar: the image ID is the config's digest, which holds
 *   diff IDs only, so the daemon can load the layer while the tool still compresses it.
 * A daemon that refuses it (another loader, a layer removed meanwhile) is sent
 * `dockerLoadArchive` instead.
 */
export function slimLoadArchive(ref: string, config: Buffer, layers: readonly LoadLayer[]): Readable {
  const pack = tarStream.pack();
  void addSlimEntries(pack, ref, config, layers).then(
    () => pack.finalize(),
    (e: unknown) => pack.destroy(e as Error),
  );
  return Readable.from(pack);
}

/** The entries of `slimLoadArchive` into `pack`, which the caller then finalizes. */
export async function addSlimEntries(
  pack: tarStream.Pack,
  ref: string,
  config: Buffer,
  layers: readonly LoadLayer[],
): Promise<void> {
  const mtime = new Date(0);
  const configName = `${sha256Digest(config).slice('sha256:'.length)}.json`;
  const layerName = (l: LoadLayer) => `${l.diffId.slice('sha256:'.length)}/layer.tar`;
  const manifest = [{ Config: configName, RepoTags: [ref], Layers: layers.map(layerName) }];
  await addEntry(pack, { name: 'manifest.json', mtime, mode: 0o644 }, Buffer.from(JSON.stringify(manifest)));
  await addEntry(pack, { name: configName, mtime, mode: 0o644 }, config);
  const sent = new Set<string>();
  for (const l of layers) {
    // Two layers with one diff ID (two empty ones, say) are one file of the archive.
    if (l.file === undefined || sent.has(l.diffId)) continue;
    sent.add(l.diffId);
    await addEntry(pack, { name: layerName(l), mtime, mode: 0o644, size: l.size }, createReadStream(l.file));
  }
}
