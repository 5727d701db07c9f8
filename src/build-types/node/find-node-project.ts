import picomatch from 'picomatch';
import { parse } from 'yaml';
import { UserError } from '../../core/user-error.js';
import type { GitTree } from '../git-tree.js';
import { LOCK_FILES, type PackageManager } from './package-manager.js';
import { manifestWorkspaces, parseManifest, type PackageManifest } from './package-manifest.js';
import { pinnedManager } from './manager-package.js';

/** A workspace of a repository: its folder (repository-relative) and its manifest. */
export interface Workspace {
  dir: string;
  manifest: PackageManifest;
}

/** Where a service's Node.js project is, as its lock file sees it. */
export interface NodeProject {
  manager: PackageManager;
  /** Folder of the lock file and the root manifest ('' for the repository root). */
  root: string;
  /** Repository-relative path of the lock file. */
  lockFile: string;
  rootManifest: PackageManifest;
  /** The service's folder when it is a workspace of `root`; undefined when it is `root` itself. */
  workspace: Workspace | undefined;
  /** Every workspace of `root` by package name (folders without a name are left out). */
  workspaces: ReadonlyMap<string, Workspace>;
}

const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);
const parent = (dir: string) => (dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '');

/**
 * Finds the lock file of the service whose folder is `context` ('' for the repository root):
 * the folder's own, or else the nearest folder above it whose lock file belongs to a workspace
 * root (npm and Yarn 1: `workspaces` in package.json; pnpm: `packages` in pnpm-workspace.yaml)
 * that lists `context` as a workspace. Reads only the manifests it needs, from the committed tree.
 */
export async function findNodeProject(tree: GitTree, context: string, service: string): Promise<NodeProject> {
  // Else the search upwards would blame the nearest lock file for not listing a folder that
  // does not exist (a mistyped or moved `context`).
  if (context !== '' && tree.get(context)?.type !== 'tree') {
    throw new UserError({
      message: `service "${service}": its context "${context}" is not a folder of the repository at commit ${tree.commit.slice(0, 12)}`,
      hint: 'context is a folder path from the repository root, as committed',
    });
  }
  const ownLocks = lockFilesIn(tree, context);
  if (ownLocks.length > 0) {
    const rootManifest = await manifestAt(tree, context);
    const own = chooseLockFile(ownLocks, context, rootManifest, service);
    const workspaces = await workspacesOf(tree, context, own[1], rootManifest);
    return {
      manager: own[1],
      root: context,
      lockFile: own[0],
      rootManifest,
      workspace: undefined,
      workspaces,
    };
  }
  for (let dir = context; dir !== '';) {
    dir = parent(dir);
    const locks = lockFilesIn(tree, dir);
    if (locks.length === 0) continue;
    const rootManifest = await manifestAt(tree, dir);
    const lock = chooseLockFile(locks, dir, rootManifest, service);
    const workspaces = await workspacesOf(tree, dir, lock[1], rootManifest);
    const workspace = [...workspaces.values()].find((w) => w.dir === context);
    if (workspace !== undefined) {
      return { manager: lock[1], root: dir, lockFile: lock[0], rootManifest, workspace, workspaces };
    }
    throw new UserError({
      message: `service "${service}": ${lock[0]} is the nearest lock file above "${context}", and its workspaces do not include "${context}"`,
      hint: `commit a lock file in "${context}", or list the folder in the workspaces of ${join(dir, 'package.json')}`,
    });
  }
  throw new UserError({
    message: `service "${service}": no lock file in "${context || '.'}" or in a workspace root above it`,
    hint: `commit one of ${LOCK_FILES.map(([f]) => f).join(', ')}: the node build type installs exactly what it pins`,
  });
}

type LockFile = readonly [path: string, manager: PackageManager];

function lockFilesIn(tree: GitTree, dir: string): LockFile[] {
  return LOCK_FILES.map(([file, manager]): LockFile => [join(dir, file), manager]).filter(([path]) => {
    const entry = tree.get(path);
    // A workspace's lock file that is a symbolic link (to the root's, say) is not its own.
    return entry?.type === 'blob' && entry.mode !== '120000';
  });
}

/**
 * The lock file that installs, of those in one folder. Lock files of two managers are often one
 * in use and one left from a single run of the other manager, out of date; picking one by a
 * fixed order installed from the stale one (an `npm ci` refusing a package-lock.json that a
 * Yarn 1 project had stopped updating). So `packageManager` decides, or the build stops.
 */
function chooseLockFile(
  locks: LockFile[],
  dir: string,
  manifest: PackageManifest,
  service: string,
): LockFile {
  const first = locks[0] as LockFile;
  if (locks.every(([, m]) => m === first[1])) return first;
  const pinned = pinnedManager(manifest.packageManager)?.manager;
  const chosen = locks.find(([, m]) => m === pinned);
  if (chosen !== undefined) return chosen;
  const names = locks.map(([path, m]) => `${path} (${m})`).join(', ');
  throw new UserError({
    file: join(dir, 'package.json'),
    path: 'packageManager',
    message: `service "${service}": the lock files of more than one package manager, ${names}, and packageManager names none of them, so which one installs is unknown`,
    hint: 'delete the lock file that is out of date, or set packageManager to the manager in use (e.g. "yarn@1.22.22")',
  });
}

async function manifestAt(tree: GitTree, dir: string): Promise<PackageManifest> {
  const file = join(dir, 'package.json');
  const text = await tree.readText(file);
  if (text === undefined) throw new UserError({ file, message: 'is missing beside the lock file' });
  return parseManifest(text, file);
}

/** The workspace globs of a root: pnpm's from pnpm-workspace.yaml, the others' from package.json. */
async function workspaceGlobs(
  tree: GitTree,
  root: string,
  manager: PackageManager,
  m: PackageManifest,
): Promise<string[]> {
  if (manager !== 'pnpm') return manifestWorkspaces(m);
  const file = join(root, 'pnpm-workspace.yaml');
  const text = await tree.readText(file);
  if (text === undefined) return [];
  let doc: { packages?: unknown } | null;
  try {
    doc = parse(text) as typeof doc;
  } catch (e) {
    throw new UserError({ file, message: `not valid YAML: ${(e as Error).message}` });
  }
  if (doc?.packages !== undefined && !Array.isArray(doc.packages)) {
    throw new UserError({ file, path: 'packages', message: 'must be a list of folder globs' });
  }
  return ((doc?.packages as unknown[] | undefined) ?? []).filter((g): g is string => typeof g === 'string');
}

async function workspacesOf(
  tree: GitTree,
  root: string,
  manager: PackageManager,
  rootManifest: PackageManifest,
): Promise<Map<string, Workspace>> {
  const globs = await workspaceGlobs(tree, root, manager, rootManifest);
  const out = new Map<string, Workspace>();
  if (globs.length === 0) return out;
  const include = picomatch(globs.filter((g) => !g.startsWith('!')).map(clean));
  const excludeGlobs = globs.filter((g) => g.startsWith('!')).map((g) => clean(g.slice(1)));
  const exclude = excludeGlobs.length > 0 ? picomatch(excludeGlobs) : () => false;
  const prefix = root === '' ? '' : `${root}/`;
  const files = tree.under(root).filter((e) => {
    if (e.type !== 'blob' || !e.path.endsWith('/package.json') || e.path.includes('node_modules/'))
      return false;
    const rel = e.path.slice(prefix.length, -'/package.json'.length);
    return include(rel) && !exclude(rel);
  });
  const texts = await tree.readTexts(files.map((e) => e.path));
  for (const { path } of files) {
    const manifest = parseManifest(texts.get(path) ?? '', path);
    if (manifest.name !== undefined)
      out.set(manifest.name, { dir: path.slice(0, -'/package.json'.length), manifest });
  }
  return out;
}

/** `./packages/*\/` → `packages/*`. */
function clean(glob: string): string {
  return glob.replace(/^\.\//, '').replace(/\/+$/, '');
}
