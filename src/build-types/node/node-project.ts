import { posix } from 'node:path';
import type { GitTree } from '../git-tree.js';
import { findNodeProject, type NodeProject, type Workspace } from './find-node-project.js';
import { linkedPaths } from './linked-paths.js';
import type { LockedPackage } from './locked-package.js';
import { npmInstallClosure, npmLockCommands, parseNpmLock } from './lockfile-npm.js';
import { parsePnpmLock, pnpmInstallClosure } from './lockfile-pnpm.js';
import { parseYarnLock, yarnInstallClosure } from './lockfile-yarn.js';
import { INSTALL_SETTINGS_FILES } from './package-manager.js';
import {
  PROJECT_DEV_INSTALL_SCRIPTS,
  PROJECT_INSTALL_SCRIPTS,
  type PackageManifest,
} from './package-manifest.js';
import { workspaceClosure } from './workspace-closure.js';
import { refuseYarnBerry } from './yarn-berry.js';
import { InternalError } from '../../core/user-error.js';

/** A `node` service as its committed files describe it: what the planner and the build both need. */
export interface NodeAnalysis {
  tree: GitTree;
  project: NodeProject;
  /** The service's folder, repository-relative ('' for the root). */
  serviceDir: string;
  manifest: PackageManifest;
  /** The workspaces it uses, with a build script's dev dependencies among them. */
  dependsOn: Workspace[];
  /** The workspaces its production dependencies reach: those whose dependencies the image gets. */
  prodDependsOn: Workspace[];
  /** The part of the lock file its production dependencies are. */
  locked: LockedPackage[];
  /** With a build script: the part of the lock file its full install is. */
  lockedWithDev: LockedPackage[] | undefined;
  /**
   * Files of the repository the install reads, by repository-relative path: the root manifest,
   * the manager's settings files, the manifests of the service and the workspaces it uses.
   */
  installFiles: Record<string, string>;
  /** Whether the project's own manifests have scripts its production install runs (they need its code). */
  projectInstallScripts: boolean;
  /** The same for its install with dev dependencies (a build script's). */
  projectDevInstallScripts: boolean;
  /** Paths of the project that committed links in the app's folders point to (`linkedPaths`). */
  linked: string[];
  /**
   * The commands (`node_modules/.bin` names) the committed files say packages of the project
   * provide, by package: every `bin` of npm's lock file, and each dev dependency of the service
   * and the root under its own name (Yarn's and pnpm's lock files record no command names).
   */
  commands: ReadonlyMap<string, string>;
  /** The dev dependencies of the service and the root, by name. */
  devDependencies: ReadonlySet<string>;
  /**
   * npm's: the commands the production dependencies provide, by the lock file, nested packages'
   * too (so more than their `node_modules/.bin` may hold). Undefined for Yarn and pnpm.
   */
  productionCommands?: ReadonlySet<string>;
  /** pnpm's lockfileVersion (`9.0`), which says which pnpm reads the lock file. */
  lockVersion: string | undefined;
}

/** `dir` relative to the project root. */
export function inProject(project: NodeProject, dir: string): string {
  return project.root === '' ? dir : dir === project.root ? '' : dir.slice(project.root.length + 1);
}

/** `file` in folder `dir` of the repository. */
export function inFolder(dir: string, file: string): string {
  return dir === '' ? file : `${dir}/${file}`;
}

/** The project of its own, or the service's folder and those of the workspaces it uses. */
export function ownFolders(
  project: NodeProject,
  serviceDir: string,
  dependsOn: readonly Workspace[],
): string[] {
  if (project.workspace === undefined) return [project.root];
  return [serviceDir, ...dependsOn.map((w) => w.dir)];
}

/**
 * Reads the service's project from the committed tree (no checkout, no code run): its lock file,
 * workspace, the workspaces it uses, and the parts of the lock file it installs.
 */
export async function analyseNodeProject(
  tree: GitTree,
  context: string,
  service: string,
  withDev: boolean,
): Promise<NodeAnalysis> {
  const project = await findNodeProject(tree, context, service);
  if (project.manager === 'yarn')
    await refuseYarnBerry(tree, project, inFolder(project.root, 'package.json'), service);
  const manifest = project.workspace?.manifest ?? project.rootManifest;
  const closure = (dev: boolean) =>
    project.workspace === undefined ? [] : workspaceClosure(manifest, project.workspaces, dev);
  const dependsOn = closure(withDev);
  const prodDependsOn = withDev ? closure(false) : dependsOn;
  const devDependencies = new Set(
    [manifest, project.rootManifest].flatMap((m) => Object.keys(m.devDependencies ?? {})),
  );
  const { part, commands, commandsOf, version } = await lockPart(tree, project, manifest, {
    dev: dependsOn,
    prod: prodDependsOn,
  });
  const locked = part(false);
  const installFiles: Record<string, string> = {};
  const folders = [project.root, context, ...dependsOn.map((w) => w.dir)];
  const manifests = folders.map((d) => inFolder(d, 'package.json'));
  const own = [project.rootManifest, manifest, ...dependsOn.map((w) => w.manifest)];
  const local = own.flatMap((m, i) => localDependencies(m, folders[i] as string, withDev));
  const settings = INSTALL_SETTINGS_FILES[project.manager].map((f) => inFolder(project.root, f));
  // A project of its own (not a workspace) installs all of its lock file.
  const whole = project.workspace === undefined ? [project.lockFile] : [];
  for (const path of [...manifests, ...settings, ...whole, ...local]) {
    const oid = tree.get(path)?.oid;
    if (oid !== undefined) installFiles[path] = oid;
  }
  return {
    tree,
    project,
    serviceDir: context,
    manifest,
    dependsOn,
    prodDependsOn,
    locked,
    lockedWithDev: withDev ? part(true) : undefined,
    installFiles,
    projectInstallScripts: hasScripts(own, PROJECT_INSTALL_SCRIPTS[project.manager]),
    projectDevInstallScripts: hasScripts(own, PROJECT_DEV_INSTALL_SCRIPTS[project.manager]),
    linked: await linkedPaths(
      tree,
      ownFolders(project, context, dependsOn),
      project.root,
      [project.lockFile],
      [...project.workspaces.values()].map((w) => w.dir),
    ),
    commands: new Map([...[...devDependencies].map((n): [string, string] => [n, n]), ...commands]),
    devDependencies,
    ...(commandsOf !== undefined ? { productionCommands: commandsOf(locked) } : {}),
    lockVersion: version,
  };
}

function hasScripts(manifests: readonly PackageManifest[], scripts: readonly string[]): boolean {
  return manifests.some((m) => scripts.some((s) => typeof m.scripts?.[s] === 'string'));
}

interface LockPart {
  part: (includeDev: boolean) => LockedPackage[];
  commands: ReadonlyMap<string, string>;
  /** The commands of some of the lock file's packages, when it names them (npm's). */
  commandsOf?: (packages: readonly LockedPackage[]) => ReadonlySet<string>;
  version?: string;
}

async function lockPart(
  tree: GitTree,
  project: NodeProject,
  manifest: PackageManifest,
  dependsOn: { dev: readonly Workspace[]; prod: readonly Workspace[] },
): Promise<LockPart> {
  const from = project.workspace === undefined ? '' : inProject(project, project.workspace.dir);
  // Parsed once per build however many of a monorepo's services share the lock file.
  const parsed = <T>(parse: (text: string, file: string) => T): Promise<T> =>
    tree.derived(`lock file ${project.lockFile}`, async () =>
      parse((await tree.readText(project.lockFile)) ?? '', project.lockFile),
    );
  switch (project.manager) {
    case 'npm': {
      const lock = await parsed(parseNpmLock);
      // A workspace gets the root's dependencies too (installCommand: --include-workspace-root).
      const withRoot = (dev: boolean) => [
        ...npmInstallClosure(lock, '', dev),
        ...npmInstallClosure(lock, from, dev),
      ];
      return {
        part: (dev) => (from === '' ? npmInstallClosure(lock, '', dev) : uniqueByPath(withRoot(dev))),
        commands: npmLockCommands(lock),
        commandsOf: (packages) => new Set(npmLockCommands(lock, new Set(packages.map((p) => p.path))).keys()),
      };
    }
    case 'pnpm': {
      const lock = await parsed(parsePnpmLock);
      return {
        part: (dev) => pnpmInstallClosure(lock, from, dev),
        commands: new Map(),
        version: lock.version,
      };
    }
    case 'yarn': {
      const lock = await parsed(parseYarnLock);
      const manifests = (dev: boolean) => [
        ...new Set([
          manifest,
          ...(dev ? dependsOn.dev : dependsOn.prod).map((w) => w.manifest),
          project.rootManifest,
        ]),
      ];
      return {
        part: (dev) => yarnInstallClosure(lock, manifests(dev), project.workspaces, dev),
        commands: new Map(),
      };
    }
    default: {
      const never: never = project.manager;
      throw new InternalError(`unknown package manager ${String(never)}`);
    }
  }
}

/**
 * The repository paths of a manifest's `file:` dependencies (a tarball or a folder committed
 * beside it): the install reads them, so they are install inputs. Paths that leave the
 * repository are left to fail in the install, as they would in a checkout.
 */
function localDependencies(m: PackageManifest, dir: string, withDev: boolean): string[] {
  const specs = [m.dependencies, m.optionalDependencies, ...(withDev ? [m.devDependencies] : [])];
  const paths: string[] = [];
  for (const spec of specs.flatMap((deps) => Object.values(deps ?? {}))) {
    if (typeof spec !== 'string' || !spec.startsWith('file:')) continue;
    const path = posix.normalize(posix.join(dir, spec.slice('file:'.length))).replace(/\/+$/, '');
    if (path !== '..' && !path.startsWith('../') && !path.startsWith('/'))
      paths.push(path === '.' ? '' : path);
  }
  return paths;
}

function uniqueByPath(locked: LockedPackage[]): LockedPackage[] {
  const byPath = new Map(locked.map((p) => [p.path, p]));
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
