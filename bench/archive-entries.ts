import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { type Writable } from 'node:stream';
import tarStream from 'tar-stream';
import { cmp } from '../src/builder/oci/oci-layout.js';
import type { LayerEntry } from './entries-layer.js';

/** Files above this size are streamed from the spool file instead of read into memory. */
const BIG = 8 << 20;
/** A spool up to this size is read back into memory in one read. */
const IN_MEMORY = 512 << 20;

export interface SpooledArchive {
  /** Sorted in layer-writer's order. */
  entries: LayerEntry[];
  close(): Promise<void>;
}

/**
 * PROTOTYPE for issue 18: a container folder's archive (the Engine API's `GET /archive`) made
 * into sorted layer entries without extracting it into thousands of files on the host: file
 * contents are appended to one spool file, entries indexed, then sorted (the archive comes in
 * the daemon's walk order, a layer needs byte order). Hard links become copies, as in
 * layer-writer. `at` prefixes every path (e.g. `app` for an archive of `/app/node_modules`).
 */
export async function spoolArchive(
  archive: Readable,
  spoolFile: string,
  at: string,
): Promise<SpooledArchive> {
  const fh = await open(spoolFile, 'w+');
  const files = new Map<string, { offset: number; size: number; executable: boolean }>();
  const entries: LayerEntry[] = [];
  const spans = new Map<LayerEntry, { offset: number; size: number }>();
  let offset = 0;
  // Appended in batches: one write per 4 MB, not one per chunk of each of 20,000 files.
  let batch: Buffer[] = [];
  let batchStart = 0;
  const flush = async () => {
    if (batch.length > 0) await fh.writev(batch, batchStart);
    batch = [];
    batchStart = offset;
  };
  const extract = tarStream.extract();
  archive.on('error', (e) => extract.destroy(e));
  archive.pipe(extract as unknown as Writable);
  for await (const entry of extract) {
    const { name, type, mode, linkname } = entry.header;
    const path = `${at}/${name.replace(/\/+$/, '')}`;
    if (type === 'file') {
      const start = offset;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        batch.push(chunk);
        offset += chunk.length;
        if (offset - batchStart >= 4 << 20) await flush();
      }
      const file = { offset: start, size: offset - start, executable: ((mode ?? 0) & 0o111) !== 0 };
      files.set(name, file);
      const e = fileEntry(fh, spoolFile, path, file);
      spans.set(e, file);
      entries.push(e);
      continue;
    }
    entry.resume();
    if (type === 'directory') entries.push({ path, type: 'directory' });
    else if (type === 'symlink') entries.push({ path, type: 'symlink', linkname: linkname ?? '' });
    else if (type === 'link') {
      const target = files.get(linkname ?? '');
      if (target === undefined) throw new Error(`hard link ${name} to ${linkname} before its target`);
      const e = fileEntry(fh, spoolFile, path, target);
      spans.set(e, target);
      entries.push(e);
    }
  }
  await flush();
  entries.push({ path: at, type: 'directory' });
  entries.sort((a, b) => cmp(a.path, b.path));
  // A spool that fits in memory is read back once: the layer takes files in another order.
  if (offset <= IN_MEMORY) {
    const all = Buffer.alloc(offset);
    if (offset > 0) await fh.read(all, 0, offset, 0);
    await fh.close();
    const inMemory = entries.map((e) => {
      if (e.type !== 'file') return e;
      const f = spans.get(e) as { offset: number; size: number };
      return { ...e, content: async () => all.subarray(f.offset, f.offset + f.size) };
    });
    return { entries: inMemory, close: async () => undefined };
  }
  return { entries, close: () => fh.close() };
}

function fileEntry(
  fh: FileHandle,
  spoolFile: string,
  path: string,
  f: { offset: number; size: number; executable: boolean },
): LayerEntry {
  return {
    path,
    type: 'file',
    executable: f.executable,
    size: f.size,
    content: async () => {
      if (f.size > BIG) return createReadStream(spoolFile, { start: f.offset, end: f.offset + f.size - 1 });
      const buf = Buffer.alloc(f.size);
      if (f.size > 0) await fh.read(buf, 0, f.size, f.offset);
      return buf;
    },
  };
}
