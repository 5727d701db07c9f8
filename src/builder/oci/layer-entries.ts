import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerEntry, LayerSource } from '../../inputs/oci-types.js';
import { compareUtf8 } from '../../core/compare-utf8.js';

/**
 * The entries of a folder on disk under `at` (`app` for `app/…`), sorted, `at` itself and its
 * parents included; file contents are opened when the layer is written. Paths `exclude` names
 * (relative to `at`'s parent, as in the image: `app/node_modules`) are left out with what is
 * under them. Sockets, FIFOs and devices are left out.
 */
export async function folderEntries(
  dir: string,
  at: string,
  exclude?: (path: string) => boolean,
): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [...parents(at), at].map((path) => ({ path, type: 'directory' }));
  await walk(dir, at, entries, exclude);
  return entries.sort((a, b) => compareUtf8(a.path, b.path));
}

/**
 * The entries of layer `sources`, in byte order of their paths, each path once (the first
 * source that names it wins): folders walked, generated files with their parent folders,
 * entry lists (already sorted) merged in as they stream.
 */
export async function* sourceEntries(sources: readonly LayerSource[]): AsyncGenerator<LayerEntry> {
  const listed: LayerEntry[] = [];
  const streams: Array<AsyncIterable<LayerEntry> | Iterable<LayerEntry>> = [];
  for (const source of sources) {
    if (source.kind === 'file') {
      const content = Buffer.isBuffer(source.content) ? source.content : Buffer.from(source.content);
      for (const path of parents(source.at)) listed.push({ path, type: 'directory' });
      listed.push({
        path: source.at,
        type: 'file',
        executable: source.mode === 0o755,
        size: content.length,
        content: async () => content,
      });
    } else if (source.kind === 'dir') listed.push(...(await folderEntries(source.dir, source.at)));
    else streams.push(source.entries);
  }
  yield* mergeSorted([listed.sort((a, b) => compareUtf8(a.path, b.path)), ...streams]);
}

/** Sorted entry lists merged into one sorted list; a path in several lists comes once, from the first. */
async function* mergeSorted(
  lists: ReadonlyArray<AsyncIterable<LayerEntry> | Iterable<LayerEntry>>,
): AsyncGenerator<LayerEntry> {
  const heads = lists.map((l) => iterate(l));
  const current = await Promise.all(heads.map((h) => h.next()));
  let last: string | undefined;
  for (;;) {
    let pick = -1;
    for (const [i, r] of current.entries()) {
      const best = pick < 0 ? undefined : current[pick];
      if (
        r.done !== true &&
        (best === undefined || best.done === true || compareUtf8(r.value.path, best.value.path) < 0)
      )
        pick = i;
    }
    if (pick < 0) return;
    const entry = (current[pick] as IteratorYieldResult<LayerEntry>).value;
    current[pick] = await (heads[pick] as AsyncIterator<LayerEntry>).next();
    if (entry.path === last) continue;
    last = entry.path;
    yield entry;
  }
}

function iterate(list: AsyncIterable<LayerEntry> | Iterable<LayerEntry>): AsyncIterator<LayerEntry> {
  if (Symbol.asyncIterator in list) return list[Symbol.asyncIterator]();
  const sync = list[Symbol.iterator]();
  return { next: async () => sync.next() };
}

/** `a/b/c` → `a`, `a/b`. */
export function parents(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

async function walk(
  root: string,
  at: string,
  entries: LayerEntry[],
  exclude: ((path: string) => boolean) | undefined,
  rel = '',
): Promise<void> {
  for (const name of await readdir(join(root, rel))) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const path = `${at}/${childRel}`;
    if (exclude?.(path) === true) continue;
    const full = join(root, childRel);
    const st = await lstat(full);
    if (st.isDirectory()) {
      entries.push({ path, type: 'directory' });
      await walk(root, at, entries, exclude, childRel);
    } else if (st.isSymbolicLink()) {
      entries.push({ path, type: 'symlink', linkname: await readlink(full) });
    } else if (st.isFile()) {
      entries.push({
        path,
        type: 'file',
        executable: (st.mode & 0o111) !== 0,
        size: st.size,
        content: async () => createReadStream(full),
      });
    }
  }
}
