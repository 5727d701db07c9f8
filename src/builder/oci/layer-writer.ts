import { createWriteStream } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import {
  MEDIA_TYPES,
  type LayerEntry,
  type LayerSource,
  type OciDescriptor,
} from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { inChunksOf } from '../../core/in-chunks-of.js';
import { DigestTap, pipeThrough } from './digest-tap.js';
import { deterministicGzip } from './deterministic-gzip.js';
import { sourceEntries } from './layer-entries.js';
import type { OciLayout } from './oci-layout.js';

export interface WrittenLayer {
  descriptor: OciDescriptor;
  /** sha256 of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  diffId: Digest;
}

/**
 * Writes one image layer into the layout from `sources`, so that the same files give the same
 * bytes on any machine, whoever runs it, with any umask, locale or time zone:
 * - entries in byte order of their UTF-8 paths (a directory always precedes what it holds);
 * - owner uid/gid 0 with no user or group names;
 * - modes fixed: directories 0755, files 0755 when executable, else 0644, symlinks 0777 with
 *   their target as it is;
 * - every mtime `epoch` (SOURCE_DATE_EPOCH semantics: the source commit's committer time);
 *   plain ustar headers, with a pax `path`/`linkpath` record only for names too long for
 *   ustar, so no atime, ctime or other pax time records;
 * - hard links are written as separate regular files: whether a copy kept two names on one
 *   inode depends on the file system and the tools in between, so it must not change a digest;
 * - sockets, FIFOs and devices are left out (an image layer of an app has no use for them);
 * - gzip by `deterministicGzip`.
 * Returns the layer's descriptor (digest of the gzip) and its diff_id (digest of the tar).
 */
export async function writeLayer(
  layout: OciLayout,
  sources: readonly LayerSource[],
  epoch: number,
): Promise<WrittenLayer> {
  const diff = new DigestTap();
  const tar = pipeThrough(layerTar(sourceEntries(sources), epoch), diff);
  return await compressIntoLayout(layout, tar, () => diff.digest());
}

/**
 * How far compression may fall behind the tar file before the tar waits for it, in memory: the
 * file goes to the daemon as soon as it is complete, and compression (slower, on one core less
 * than the machine has) should not hold it back; 256 MB covers most apps' dependencies.
 */
const COMPRESSION_LAG = 256 << 20;

/**
 * The same layer as an uncompressed tar in `file`, which a daemon can load at once, and from
 * the same bytes as they are made, compressed into the layout: `file` resolves when the tar is
 * complete, `compressed` when the blob is in the layout (compression on the other cores, at
 * most COMPRESSION_LAG behind). With `compressAfter`, compression starts only once it settles
 * (the tar waits in memory): a small layer is deflated on this thread, which would otherwise
 * hold back the daemon's load of the file.
 */
export function writeLayerFile(
  entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry>,
  epoch: number,
  file: string,
  layout: OciLayout,
  compressAfter?: Promise<unknown>,
): { file: Promise<{ diffId: Digest; size: number }>; compressed: Promise<WrittenLayer> } {
  const diff = new DigestTap();
  const tar = pipeThrough(layerTar(entries, epoch), diff);
  const lagging = new PassThrough({ highWaterMark: COMPRESSION_LAG });
  tar.on('error', (e) => lagging.destroy(e));
  tar.pipe(lagging);
  const written = pipeline(tar, createWriteStream(file)).then(() => ({
    diffId: diff.digest(),
    size: diff.size,
  }));
  const begin = new Promise<unknown>((resolve) => {
    if (compressAfter === undefined) return resolve(undefined);
    compressAfter.then(resolve, resolve);
    // Bigger than one chunk, it is deflated on the other cores: waiting would only hold it in memory.
    tar.on('data', () => diff.size > DEFERRABLE && resolve(undefined));
  });
  const compressed = begin.then(() =>
    compressIntoLayout(layout, lagging, async () => (await written).diffId),
  );
  return { file: written, compressed };
}

/** The most of a layer whose compression may wait for `compressAfter`: one deflate chunk. */
const DEFERRABLE = 1 << 20;

/** `tar` gzipped into the layout; `diffId` once it has all gone through. */
async function compressIntoLayout(
  layout: OciLayout,
  tar: Readable,
  diffId: () => Digest | Promise<Digest>,
): Promise<WrittenLayer> {
  const blob = await layout.writeBlob(pipeThrough(tar, deterministicGzip()));
  return {
    descriptor: { mediaType: MEDIA_TYPES.ociLayerGzip, digest: blob.digest, size: blob.size },
    diffId: await diffId(),
  };
}

/** The normalised tar of sorted entries, each path once (see writeLayer). */
function layerTar(entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry>, epoch: number): Readable {
  const pack = tarStream.pack();
  const header = { uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(epoch * 1000) };
  void (async () => {
    try {
      let last: string | undefined;
      for await (const e of entries) {
        // Sorted, so a path named twice (a folder two lists share) comes twice in a row.
        if (e.path === last) continue;
        last = e.path;
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
  return pipeThrough(Readable.from(pack), inChunksOf(1 << 20));
}

type EntryHeader = Parameters<tarStream.Pack['entry']>[0];

/** Adds one entry, its content from a buffer or a stream, and waits until tar-stream took it. */
export async function addEntry(
  pack: tarStream.Pack,
  header: EntryHeader,
  content?: Buffer | Readable,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve());
    if (content === undefined) pack.entry(header, cb);
    else if (Buffer.isBuffer(content)) pack.entry(header, content, cb);
    else {
      const sink = pack.entry(header, cb);
      // Its own error too (content shorter than the header's size): unheard, it ended the process.
      sink.on('error', reject);
      content.on('error', (e) => sink.destroy(e));
      content.pipe(sink as unknown as NodeJS.WritableStream);
    }
  });
}
