import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { addEntry } from '../src/builder/oci/layer-writer.js';
import { sha256Digest } from '../src/builder/oci/digest-tap.js';
import type { OciImageConfig } from '../src/inputs/oci-types.js';
import { docker } from './node-build-phases.js';

/** One layer of a `docker load` archive: where its tar (gzip or not) is, or nothing to send. */
export interface LoadLayer {
  diffId: string;
  size: number;
  /** A file (an uncompressed tar still being compressed elsewhere, or a layout blob). */
  file: string | undefined;
}

/**
 * PROTOTYPE for issue 18 (phase 2: options of src/builder/oci/docker-load-archive.ts): the
 * docker-archive `docker load` reads, with
 * - no file for the layers whose chain the daemon already has: Docker's loader
 *   (image/tarexport/load.go) looks up each layer's chain ID first and opens the layer file only
 *   when the chain is missing, so after a one-line change only the app layer travels, not the
 *   base and dependency layers (tens of MB the daemon would write to a temp folder and discard);
 * - a new dependency layer as its uncompressed tar: the loaded image's ID is its config's digest,
 *   which holds diff IDs only, so the daemon can take the layer while the tool is still
 *   compressing it for the layout, and does not have to decompress it.
 */
export function dockerLoadArchiveOf(
  ref: string,
  configBytes: Buffer,
  layers: readonly LoadLayer[],
): Readable {
  const pack = tarStream.pack();
  const mtime = new Date(0);
  const configName = `${sha256Digest(configBytes).slice('sha256:'.length)}.json`;
  const layerName = (l: LoadLayer) => `${l.diffId.slice('sha256:'.length)}/layer.tar`;
  void (async () => {
    try {
      const manifest = [{ Config: configName, RepoTags: [ref], Layers: layers.map(layerName) }];
      await addEntry(
        pack,
        { name: 'manifest.json', mtime, mode: 0o644 },
        Buffer.from(JSON.stringify(manifest)),
      );
      await addEntry(pack, { name: configName, mtime, mode: 0o644 }, configBytes);
      for (const l of layers) {
        if (l.file === undefined) continue;
        await addEntry(
          pack,
          { name: layerName(l), mtime, mode: 0o644, size: l.size },
          createReadStream(l.file),
        );
      }
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return Readable.from(pack);
}

/** How many of `config`'s first layers the daemon has as a chain, judged from images it may hold. */
export async function layersDaemonHas(config: OciImageConfig, known: readonly string[]): Promise<number> {
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
  return shared;
}
