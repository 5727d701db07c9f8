import { posix } from 'node:path';
import type { GitTree, TreeEntry } from '../git-tree.js';

/** A path with a `node_modules` folder in it: installed, never followed. */
const DEPENDENCIES = /(^|\/)node_modules(\/|$)/;

/**
 * The paths of the repository that committed symbolic links in `folders` point to, outside
 * those folders, transitively (a linked folder may hold links in turn): a service folder that
 * links `common -> ../common/src` (certeu/morio's API has three such links) needs that folder
 * in its image, or it starts in a checkout and crashes in the image. A target in one of
 * `workspaces` brings that whole workspace folder (its `package.json` says how Node loads its
 * files, and its own links count in turn: morio's linked workspace maps `#config` in its
 * manifest to `./config`, another link); any other target comes with the `package.json`
 * nearest above it (`nearestManifest`). The dependencies of a workspace reached only by a link
 * are not installed for it. Only targets inside `root` (the project's folder, which is `/app`
 * in the image) and present in the tree count: a link leaving it stays dangling, as it would
 * in a checkout of the project alone, and so does a link to one of `skip` (a workspace's link
 * to the root's lock file, which is keyed by the service's part of it). Sorted, each path
 * once, none under another.
 */
export async function linkedPaths(
  tree: GitTree,
  folders: readonly string[],
  root: string,
  skip: readonly string[],
  workspaces: readonly string[] = [],
): Promise<string[]> {
  const covered = new Set(folders);
  const found: string[] = [];
  let pending = [...folders];
  while (pending.length > 0) {
    const links = pending.flatMap((f) => linksUnder(tree, f));
    pending = [];
    for await (const { entry, content } of tree.contents(links)) {
      const target = resolveLink(entry.path, content.toString('utf8'));
      if (target === undefined || !inside(root, target) || skip.includes(target)) continue;
      if (tree.get(target) === undefined) continue;
      const workspace = workspaces.find((w) => inside(w, target));
      const paths = workspace !== undefined ? [workspace] : [target, nearestManifest(tree, target, root)];
      for (const path of paths) {
        if (path === undefined || [...covered].some((c) => inside(c, path))) continue;
        covered.add(path);
        found.push(path);
        if (tree.get(path)?.type === 'tree') pending.push(path);
      }
    }
  }
  return found.filter((p) => !found.some((q) => q !== p && inside(q, p))).sort();
}

/**
 * The `package.json` nearest above `path` inside `root` (not the root's, which the image has):
 * Node reads it for the linked files' `type`, `imports` and `exports`, and it resolves a link to
 * its real path first (morio's `shared/src` imports `#config`, defined in `shared/package.json`).
 */
function nearestManifest(tree: GitTree, path: string, root: string): string | undefined {
  for (let dir = posix.dirname(path); dir !== '.' && dir !== root; dir = posix.dirname(dir)) {
    const manifest = `${dir}/package.json`;
    if (tree.get(manifest)?.type === 'blob') return manifest;
  }
  return undefined;
}

function linksUnder(tree: GitTree, folder: string): TreeEntry[] {
  const entry = tree.get(folder);
  const entries = entry?.type === 'tree' ? tree.under(folder) : entry !== undefined ? [entry] : [];
  return entries.filter((e) => e.mode === '120000' && !DEPENDENCIES.test(e.path));
}

/** A link's target as a repository path, or undefined when it is absolute or leaves the repository. */
function resolveLink(linkPath: string, target: string): string | undefined {
  if (target.startsWith('/')) return undefined;
  const path = posix.normalize(posix.join(posix.dirname(linkPath), target)).replace(/\/+$/, '');
  if (path === '..' || path.startsWith('../')) return undefined;
  return path === '.' ? '' : path;
}

/** Whether `path` is `dir` or under it ('' holds everything). */
function inside(dir: string, path: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}
