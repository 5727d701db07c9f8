import type { LayerEntry } from '../inputs/oci-types.js';
import type { GitTree, TreeEntry } from './git-tree.js';

/**
 * The committed files of `paths` (repository-relative folders or files; '' for the whole tree)
 * as layer entries at `imagePath(path)`, their parent folders included, in byte order of their
 * image paths, contents streamed from one `git cat-file --batch` in that order: no export to
 * disk, no walk. Symbolic links keep their target; submodules are left out, as `git archive`
 * leaves their contents out, and so is whatever `skip` names (with what is under it).
 */
export async function* gitEntries(
  tree: GitTree,
  paths: readonly string[],
  imagePath: (path: string) => string,
  skip: (path: string) => boolean = () => false,
): AsyncGenerator<LayerEntry> {
  const picked = new Map<string, TreeEntry>();
  for (const path of paths) {
    const top = tree.get(path);
    if (top === undefined) continue;
    for (const e of top.type === 'tree' ? [top, ...tree.under(path)] : [top]) {
      if (e.type !== 'commit' && !skip(e.path)) picked.set(imagePath(e.path), e);
    }
  }
  const folders = new Set<string>();
  for (const path of picked.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  const all = new Map<string, TreeEntry | undefined>([
    ...[...folders].map((f) => [f, undefined] as const),
    ...picked,
  ]);
  const sorted = [...all].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const blobs = sorted.flatMap(([, e]) => (e?.type === 'blob' ? [e] : []));
  const contents = tree.contents(blobs)[Symbol.asyncIterator]();
  try {
    for (const [path, e] of sorted) {
      if (e === undefined || e.type === 'tree') {
        yield { path, type: 'directory' };
        continue;
      }
      const { value } = await contents.next();
      const content = (value as { content: Buffer }).content;
      if (e.mode === '120000') yield { path, type: 'symlink', linkname: content.toString('utf8') };
      else
        yield {
          path,
          type: 'file',
          executable: e.mode === '100755',
          size: content.length,
          content: async () => content,
        };
    }
  } finally {
    await contents.return?.(undefined);
  }
}
