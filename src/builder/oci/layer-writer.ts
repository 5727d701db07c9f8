import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { MEDIA_TYPES, type LayerSource, type OciDescriptor } from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { DigestTap, pipeThrough } from './digest-tap.js';
import { deterministicGzip } from './deterministic-gzip.js';
import { cmp, type OciLayout } from './oci-layout.js';

export interface WrittenLayer {
  descriptor: OciDescriptor;
  /** sha256 of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  diffId: Digest;
}

type Entry =
  | { path: string; type: 'directory' }
  | { path: string; type: 'file'; source: string; size: number; executable: boolean }
  | { path: string; type: 'symlink'; linkname: string }
  | { path: string; type: 'generated'; content: Buffer; mode: number };

/**
 * Writes one image layer into the layout from `sources`, so that the same files give the same
 * bytes on any machine, whoever runs it, with any umask, locale or time zone:
 * - entries in byte order of their UTF-8 paths (a directory always precedes what it holds);
 * - owner uid/gid 0 with no user or group names;
 * - modes fixed: directories 0755, files 0755 when any execute bit is set, else 0644,
 *   symlinks 0777 with their target as it is;
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
  const entries = new Map<string, Entry>();
  for (const source of sources) {
    if (source.kind === 'file') {
      for (const dir of parents(source.at)) entries.set(dir, { path: dir, type: 'directory' });
      const content = Buffer.isBuffer(source.content) ? source.content : Buffer.from(source.content);
      entries.set(source.at, { path: source.at, type: 'generated', content, mode: source.mode });
    } else {
      for (const dir of [...parents(source.at), source.at])
        entries.set(dir, { path: dir, type: 'directory' });
      await walk(source.dir, '', source, entries);
    }
  }
  const sorted = [...entries.values()].sort((a, b) => cmp(a.path, b.path));

  const pack = tarStream.pack();
  const diff = new DigestTap();
  // tar-stream 3 makes a streamx stream; Readable.from gives Node's, with backpressure.
  const stored = layout.writeBlob(pipeThrough(Readable.from(pack), diff, deterministicGzip()));
  const mtime = new Date(epoch * 1000);
  const header = { uid: 0, gid: 0, uname: '', gname: '', mtime };
  try {
    for (const e of sorted) {
      if (e.type === 'directory') {
        await addEntry(pack, { ...header, name: `${e.path}/`, type: 'directory', mode: 0o755 });
      } else if (e.type === 'symlink') {
        await addEntry(pack, { ...header, name: e.path, type: 'symlink', mode: 0o777, linkname: e.linkname });
      } else if (e.type === 'generated') {
        await addEntry(
          pack,
          { ...header, name: e.path, type: 'file', mode: e.mode, size: e.content.length },
          e.content,
        );
      } else {
        await addEntry(
          pack,
          { ...header, name: e.path, type: 'file', mode: e.executable ? 0o755 : 0o644, size: e.size },
          createReadStream(e.source),
        );
      }
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
      content.on('error', (e) => sink.destroy(e));
      content.pipe(sink as unknown as NodeJS.WritableStream);
    }
  });
}

/** `a/b/c` → `a`, `a/b`. */
function parents(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

async function walk(
  root: string,
  rel: string,
  source: Extract<LayerSource, { kind: 'dir' }>,
  entries: Map<string, Entry>,
): Promise<void> {
  for (const name of await readdir(join(root, rel))) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    if (source.include !== undefined && !source.include(childRel)) continue;
    const full = join(root, childRel);
    const path = `${source.at}/${childRel}`;
    const st = await lstat(full);
    if (st.isDirectory()) {
      entries.set(path, { path, type: 'directory' });
      await walk(root, childRel, source, entries);
    } else if (st.isSymbolicLink()) {
      entries.set(path, { path, type: 'symlink', linkname: await readlink(full) });
    } else if (st.isFile()) {
      entries.set(path, {
        path,
        type: 'file',
        source: full,
        size: st.size,
        executable: (st.mode & 0o111) !== 0,
      });
    }
  }
}
