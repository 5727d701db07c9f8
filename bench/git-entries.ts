import type { GitTree, TreeEntry } from '../src/build-types/git-tree.js';
import { cmp } from '../src/builder/oci/oci-layout.js';
import type { LayerEntry } from './entries-layer.js';

/**
 * PROTOTYPE for issue 18: the committed files of `dirs` (repository-relative, '' for all) as
 * layer entries under `at`, sorted, their contents streamed from one `git cat-file --batch` in
 * that order: no export to disk, no walk. `extra` entries (the generated /entrypoint) join
 * in order. Symbolic links keep their target; submodules are left out, as `git archive` leaves
 * their contents out.
 */
export async function* gitEntries(
  tree: GitTree,
  dirs: readonly string[],
  at: string,
  extra: readonly LayerEntry[] = [],
): AsyncGenerator<LayerEntry> {
  const picked = new Map<string, TreeEntry>();
  for (const dir of dirs) for (const e of tree.under(dir)) if (e.type !== 'commit') picked.set(e.path, e);
  const rel = (p: string) => `${at}/${p}`;
  const all: Array<{ path: string; entry?: TreeEntry; extra?: LayerEntry }> = [
    { path: at, extra: { path: at, type: 'directory' } },
    ...[...picked.values()].map((entry) => ({ path: rel(entry.path), entry })),
    ...extra.map((x) => ({ path: x.path, extra: x })),
  ];
  for (const dir of dirs) {
    const parts = dir === '' ? [] : dir.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const path = rel(parts.slice(0, i).join('/'));
      all.push({ path, extra: { path, type: 'directory' } });
    }
  }
  const unique = [...new Map(all.map((x) => [x.path, x])).values()].sort((a, b) => cmp(a.path, b.path));
  const blobs = unique.flatMap((x) => (x.entry?.type === 'blob' ? [x.entry] : []));
  const contents = tree.contents(blobs)[Symbol.asyncIterator]();
  for (const x of unique) {
    if (x.extra !== undefined) yield x.extra;
    else if (x.entry?.type === 'tree') yield { path: x.path, type: 'directory' };
    else if (x.entry !== undefined) {
      const { value } = await contents.next();
      const content = (value as { content: Buffer }).content;
      if (x.entry.mode === '120000')
        yield { path: x.path, type: 'symlink', linkname: content.toString('utf8') };
      else
        yield {
          path: x.path,
          type: 'file',
          executable: x.entry.mode === '100755',
          size: content.length,
          content: async () => content,
        };
    }
  }
  await contents.return?.(undefined);
}
