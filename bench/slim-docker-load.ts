import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { addEntry } from '../src/builder/oci/layer-writer.js';
import type { LayoutImage, OciLayout } from '../src/builder/oci/oci-layout.js';
import type { OciImageConfig } from '../src/inputs/oci-types.js';
import { docker } from './node-build-phases.js';

/**
 * PROTOTYPE for issue 18 (phase 2: an option of src/builder/oci/docker-load-archive.ts): the
 * `docker load` archive of an image without the layer blobs the daemon already holds. Docker's
 * loader (image/tarexport/load.go) looks up each layer's chain ID first and opens the layer
 * file only when the chain is missing, so a blob it has need not be sent: after a one-line
 * change, only the app layer travels, not the base and dependency layers (tens of MB that the
 * daemon would otherwise write to a temp folder and throw away). Which chains the daemon has is
 * read from an image it holds (the service's previous image, or the base).
 */
export function slimDockerLoadArchive(
  layout: OciLayout,
  image: LayoutImage,
  skip: ReadonlySet<string>,
): Readable {
  const pack = tarStream.pack();
  const mtime = new Date(0);
  const blobName = (digest: string) => `blobs/sha256/${digest.replace(/^sha256:/, '')}`;
  void (async () => {
    try {
      const manifest = [
        {
          Config: blobName(image.manifest.config.digest),
          RepoTags: [image.ref],
          Layers: image.manifest.layers.map((l) => blobName(l.digest)),
        },
      ];
      await addEntry(
        pack,
        { name: 'manifest.json', mtime, mode: 0o644 },
        Buffer.from(JSON.stringify(manifest)),
      );
      await addEntry(
        pack,
        { name: blobName(image.manifest.config.digest), mtime, mode: 0o644 },
        await layout.readBlob(image.manifest.config.digest),
      );
      for (const layer of image.manifest.layers) {
        if (skip.has(layer.digest)) continue;
        await addEntry(
          pack,
          { name: blobName(layer.digest), mtime, mode: 0o644, size: layer.size },
          layout.openBlob(layer.digest),
        );
      }
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return Readable.from(pack);
}

/**
 * The layers of `image` (by blob digest) whose chain the daemon already has, judged from
 * `known`, images the daemon may hold: the longest prefix of diff IDs any of them shares.
 */
export async function layersDaemonHas(
  layout: OciLayout,
  image: LayoutImage,
  known: readonly string[],
): Promise<Set<string>> {
  const config = JSON.parse(
    (await layout.readBlob(image.manifest.config.digest)).toString('utf8'),
  ) as OciImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  let shared = 0;
  for (const ref of known) {
    const info = await docker
      .getImage(ref)
      .inspect()
      .catch(() => undefined);
    const have = info?.RootFS?.Layers ?? [];
    let n = 0;
    while (n < have.length && n < diffIds.length && have[n] === diffIds[n]) n++;
    shared = Math.max(shared, n);
  }
  return new Set(image.manifest.layers.slice(0, shared).map((l) => l.digest));
}
