import { Readable, type Transform } from 'node:stream';
import tarStream from 'tar-stream';
import { addEntry } from '../src/builder/oci/layer-writer.js';
import { DigestTap, pipeThrough } from '../src/builder/oci/digest-tap.js';
import type { OciLayout } from '../src/builder/oci/oci-layout.js';
import type { WrittenLayer } from '../src/builder/oci/layer-writer.js';
import { MEDIA_TYPES } from '../src/inputs/oci-types.js';

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
 * whose normalisation it repeats): a layer from entries that come from somewhere other than a
 * folder on disk (a container's archive, a git tree). Entries must arrive sorted in
 * layer-writer's order (byte order of the path); headers are normalised as layer-writer does.
 */
export async function writeEntriesLayer(
  layout: OciLayout,
  entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry>,
  epoch: number,
  gzip: () => Transform,
): Promise<WrittenLayer> {
  const pack = tarStream.pack();
  const diff = new DigestTap();
  const stored = layout.writeBlob(pipeThrough(Readable.from(pack), diff, gzip()));
  const header = { uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(epoch * 1000) };
  try {
    for await (const e of entries) {
      if (e.type === 'directory')
        await addEntry(pack, { ...header, name: `${e.path}/`, type: 'directory', mode: 0o755 });
      else if (e.type === 'symlink')
        await addEntry(pack, { ...header, name: e.path, type: 'symlink', mode: 0o777, linkname: e.linkname });
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
    await stored.catch(() => undefined);
    throw err;
  }
  const blob = await stored;
  return {
    descriptor: { mediaType: MEDIA_TYPES.ociLayerGzip, digest: blob.digest, size: blob.size },
    diffId: diff.digest(),
  };
}
