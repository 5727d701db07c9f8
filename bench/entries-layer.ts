import { createWriteStream } from 'node:fs';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { addEntry } from '../src/builder/oci/layer-writer.js';
import { DigestTap, pipeThrough } from '../src/builder/oci/digest-tap.js';
import type { OciLayout } from '../src/builder/oci/oci-layout.js';
import type { WrittenLayer } from '../src/builder/oci/layer-writer.js';
import { MEDIA_TYPES } from '../src/inputs/oci-types.js';
import type { Digest } from '../src/inputs/types.js';

/** One entry of a layer, its content already at hand (or to be opened when it is written). */
export type LayerEntry =
  | { path: string; type: 'directory' }
  | { path: string; type: 'symlink'; linkname: string }
  | {
      path: string;
      type: 'file';
      executable: boolean;
      size: number;
      content: () => Promise<Buffer | Readable>;
    };

/**
 * PROTOTYPE for issue 18 (phase 2 makes it a LayerSource kind of src/builder/oci/layer-writer.ts,
 * whose normalisation it repeats): the tar of a layer from entries that come from somewhere
 * other than a folder on disk (a container's archive, a git tree). Entries must arrive sorted
 * in layer-writer's order (byte order of the path); headers are normalised as layer-writer does.
 */
export function packEntries(
  entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry>,
  epoch: number,
): Readable {
  const pack = tarStream.pack();
  const header = { uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(epoch * 1000) };
  void (async () => {
    try {
      for await (const e of entries) {
        if (e.type === 'directory')
          await addEntry(pack, { ...header, name: `${e.path}/`, type: 'directory', mode: 0o755 });
        else if (e.type === 'symlink')
          await addEntry(pack, {
            ...header,
            name: e.path,
            type: 'symlink',
            mode: 0o777,
            linkname: e.linkname,
          });
        else
          await addEntry(
            pack,
            { ...header, name: e.path, type: 'file', mode: e.executable ? 0o755 : 0o644, size: e.size },
            await e.content(),
          );
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  // tar-stream 3 makes a streamx stream; Readable.from gives Node's, with backpressure.
  return Readable.from(pack);
}

/** A layer from entries, compressed by `gzip`, into the layout. */
export async function writeEntriesLayer(
  layout: OciLayout,
  entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry>,
  epoch: number,
  gzip: () => Transform,
): Promise<WrittenLayer> {
  return await gzipIntoLayout(layout, packEntries(entries, epoch), gzip);
}

/** A layer's uncompressed tar into `file`, for a daemon to load while it is compressed. */
export async function writeEntriesTar(
  entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry>,
  epoch: number,
  file: string,
): Promise<{ diffId: Digest; size: number }> {
  const diff = new DigestTap();
  await pipeline(packEntries(entries, epoch), diff, createWriteStream(file));
  return { diffId: diff.digest(), size: diff.size };
}

/** An uncompressed layer tar into the layout as a gzip blob. */
export async function gzipIntoLayout(
  layout: OciLayout,
  tar: Readable,
  gzip: () => Transform,
): Promise<WrittenLayer> {
  const diff = new DigestTap();
  const blob = await layout.writeBlob(pipeThrough(tar, diff, gzip()));
  return {
    descriptor: { mediaType: MEDIA_TYPES.ociLayerGzip, digest: blob.digest, size: blob.size },
    diffId: diff.digest(),
  };
}
