import type { Workspace } from './find-node-project.js';
import type { PackageManager } from './package-manager.js';
import type { PackageManifest } from './package-manifest.js';
import { InternalError } from '../../core/user-error.js';

export interface InstallOptions {
  /** The service's workspace; undefined when the service is the project root itself. */
  workspace: Workspace | undefined;
  /** The workspaces it depends on (workspaceClosure). */
  dependsOn: readonly Workspace[];
  /** The project root folder, repository-relative ('' for the repository root). */
  root: string;
  rootManifest: PackageManifest;
  /** Install dev dependencies too (for a build script); the image's layer never has them. */
  includeDev: boolean;
  ignoreScripts: boolean;
}

/** One install: the command, run in the project root, and the root manifest to install with. */
export interface InstallCommand {
  argv: string[];
  /**
   * The root package.json to write before installing, when the manager needs it changed to
   * install one workspace (Yarn 1), else undefined. Never part of the image.
   */
  rootManifest: PackageManifest | undefined;
}

/**
 * How each package manager installs exactly what the lock file pins for one service, and for a
 * workspace only its production dependencies (and those of the workspaces it depends on):
 * - npm: `npm ci --workspace <dir> --include-workspace-root`: the workspace's part of the lock
 *   and the root package's, laid out as the lock says (hoisted to the root `node_modules`, a
 *   workspace's conflicting versions under its own). Without `--include-workspace-root` npm
 *   leaves the root's dependencies out, which Yarn 1 and pnpm install: with it, a workspace
 *   service gets the root's production dependencies whatever its package manager.
 * - Yarn 1 has no command for one workspace (`yarn workspaces focus` is Yarn 2+): the root
 *   manifest's `workspaces` is narrowed to the service and what it depends on, and
 *   `--frozen-lockfile` accepts a lock file with entries the narrowed project no longer needs
 *   (it refuses only one that lacks entries). The root's `dependencies` are installed, as Yarn 1
 *   always does; its dev dependencies are not.
 * - pnpm: `--filter={./<dir>}...` selects the workspace and the workspaces it depends on (the
 *   braces matter: `./<dir>...` selects the folder alone, and pnpm installs none of its
 *   workspaces' dependencies).
 * Install scripts run as each manager runs them by default unless `ignoreScripts`. The cache or
 * store is the manager's own (the image's settings decide; a cache the image carries is used):
 * outside the project, so never in what the install leaves for a layer.
 */
export function installCommand(manager: PackageManager, o: InstallOptions): InstallCommand {
  const scripts = o.ignoreScripts ? ['--ignore-scripts'] : [];
  const rel = o.workspace === undefined ? undefined : relative(o.root, o.workspace.dir);
  switch (manager) {
    case 'npm':
      return {
        argv: [
          'npm',
          'ci',
          ...(rel !== undefined ? [`--workspace=${rel}`, '--include-workspace-root'] : []),
          o.includeDev ? '--include=dev' : '--omit=dev',
          ...scripts,
          '--no-audit',
          '--no-fund',
        ],
        rootManifest: undefined,
      };
    case 'yarn':
      return {
        argv: [
          'yarn',
          'install',
          '--frozen-lockfile',
          ...(o.includeDev ? [] : ['--production']),
          ...scripts,
          '--non-interactive',
        ],
        rootManifest:
          o.workspace === undefined
            ? undefined
            : {
                ...o.rootManifest,
                workspaces: [o.workspace, ...o.dependsOn].map((w) => relative(o.root, w.dir)).sort(),
              },
      };
    case 'pnpm':
      return {
        argv: [
          'pnpm',
          'install',
          '--frozen-lockfile',
          ...(o.includeDev ? [] : ['--prod']),
          // --filter-prod follows only production edges: with --filter, a workspace the service
          // dev-depends on (shared tooling) is selected too, and its dependencies installed.
          ...(rel !== undefined ? [`--filter${o.includeDev ? '' : '-prod'}={./${rel}}...`] : []),
          ...scripts,
        ],
        rootManifest: undefined,
      };
    default: {
      const never: never = manager;
      throw new InternalError(`unknown package manager ${String(never)}`);
    }
  }
}

function relative(root: string, dir: string): string {
  return root === '' ? dir : dir.slice(root.length + 1);
}
