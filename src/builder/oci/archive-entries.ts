import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import tarStream from 'tar-stream';
import type { LayerEntry } from '../../inputs/oci-types.js';
import { parents } from './layer-entries.js';
import { compareUtf8 } from '../../core/compare-utf8.js';

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
 * The archive of a container's folders `roots` (`app/node_modules`: names relative to `/`, as
 * `tar -C /` writes them) made into sorted layer entries without extracting it into thousands
 * of files on the host (which costs more than the install that made them): file contents are
 * appended to one spool file, entries indexed, then sorted (an archive comes in its writer's
 * walk order, a layer needs byte order), with the folders above the roots. Hard links become
 * copies, as in layer-writer. Paths `exclude` names (`app/x/node_modules`) are left out with
 * what is under them, their contents never spooled. A name outside `roots` is refused: the
 * archive is written in the container, by whatever the step ran.
 *
 * The spool is a new file of `scratchDir`: a service's steps share that folder and run side by
 * side (a build script's collection starts while the dependency layer is still read from its
 * spool), so a fixed name had the second step truncate the first's contents mid-read.
 * `inMemoryUpTo` is how big a spool is read back into memory at once.
 */
export async function spoolArchive(
  archive: Readable,
  scratchDir: string,
  roots: readonly string[],
  exclude?: (path: string) => boolean,
  inMemoryUpTo = IN_MEMORY,
): Promise<SpooledArchive> {
  const spoolFile = join(scratchDir, `spool-${randomUUID()}`);
  const spool = new Spool(await open(spoolFile, 'wx+'), spoolFile, inMemoryUpTo);
  const files = new Map<string, Span>();
  const entries: LayerEntry[] = [];
  const extract = tarStream.extract();
  archive.on('error', (e) => extract.destroy(e));
  archive.pipe(extract as unknown as Writable);
  const excluded: string[] = [];
  for await (const entry of extract) {
    const { name, type, mode, linkname } = entry.header;
    const path = name.replace(/\/+$/, '');
    if (!roots.some((r) => path === r || path.startsWith(`${r}/`)) || path.split('/').includes('..'))
      throw new Error(`"${name}" is not in ${roots.join(', ')}`);
    if (excluded.some((x) => path.startsWith(x)) || exclude?.(path) === true) {
      if (type === 'directory') excluded.push(`${path}/`);
      entry.resume();
    } else if (type === 'file') {
      const span = {
        ...(await spool.append(entry as AsyncIterable<Buffer>)),
        executable: ((mode ?? 0) & 0o111) !== 0,
      };
      files.set(path, span);
      entries.push(spool.entry(path, span));
    } else {
      entry.resume();
      if (type === 'directory') entries.push({ path, type: 'directory' });
      else if (type === 'symlink') entries.push({ path, type: 'symlink', linkname: linkname ?? '' });
      else if (type === 'link') {
        const target = files.get((linkname ?? '').replace(/\/+$/, ''));
        if (target === undefined) throw new Error(`hard link ${name} to ${linkname} before its target`);
        entries.push(spool.entry(path, target));
      }
    }
  }
  const present = new Set(entries.map((e) => e.path));
  for (const root of roots)
    if (present.has(root))
      for (const path of parents(root))
        if (!present.has(path)) {
          present.add(path);
          entries.push({ path, type: 'directory' });
        }
  return await spool.finish(entries.sort((a, b) => compareUtf8(a.path, b.path)));
}

interface Span {
  offset: number;
  size: number;
  executable: boolean;
}

/** One file holding the contents of every file of an archive, appended in 4 MB writes. */
class Spool {
  private offset = 0;
  private batch: Buffer[] = [];
  private batchStart = 0;
  private readonly spans = new Map<LayerEntry, Span>();

  constructor(
    private readonly fh: FileHandle,
    private readonly file: string,
    private readonly inMemoryUpTo: number,
  ) {}

  async append(content: AsyncIterable<Buffer>): Promise<{ offset: number; size: number }> {
    const start = this.offset;
    for await (const chunk of content) {
      this.batch.push(chunk);
      this.offset += chunk.length;
      if (this.offset - this.batchStart >= 4 << 20) await this.flush();
    }
    return { offset: start, size: this.offset - start };
  }

  entry(path: string, span: Span): LayerEntry {
    const e = fileEntry(this.fh, this.file, path, span);
    this.spans.set(e, span);
    return e;
  }

  /** The entries, their contents read back into memory at once when the spool fits. */
  async finish(entries: LayerEntry[]): Promise<SpooledArchive> {
    await this.flush();
    if (this.offset > this.inMemoryUpTo) return { entries, close: () => this.fh.close() };
    // A spool that fits in memory is read back once: the layer takes files in another order.
    const all = Buffer.alloc(this.offset);
    if (this.offset > 0) await this.fh.read(all, 0, this.offset, 0);
    await this.fh.close();
    const inMemory = entries.map((e) => {
      const f = this.spans.get(e);
      return e.type !== 'file' || f === undefined
        ? e
        : { ...e, content: async () => all.subarray(f.offset, f.offset + f.size) };
    });
    return { entries: inMemory, close: async () => undefined };
  }

  private async flush(): Promise<void> {
    if (this.batch.length > 0) await this.fh.writev(this.batch, this.batchStart);
    this.batch = [];
    this.batchStart = this.offset;
  }
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
