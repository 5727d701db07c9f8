import { UserError } from '../../core/user-error.js';
import type { GitTree } from '../git-tree.js';
import type { NodeProject } from './find-node-project.js';
import { pinnedManager, pinsYarnBerry } from './manager-package.js';

const DOCKER_WAY = 'build the service with buildType: docker and a Dockerfile';

/**
 * Refuses a Yarn project that Yarn 2 or later would install, before any step: the node build
 * type runs Yarn 1 (`yarn install --frozen-lockfile --production`), which Yarn 2+ rejects
 * (`YN0050: The --production option is deprecated`), and it reads only Yarn 1's lock format.
 * Either the lock file is Yarn 2+'s (YAML with `__metadata`), or `packageManager` pins Yarn 2+,
 * which corepack would fetch and run in the install step.
 */
export async function refuseYarnBerry(
  tree: GitTree,
  project: NodeProject,
  manifestFile: string,
  service: string,
): Promise<void> {
  if (/^__metadata:/m.test((await tree.readText(project.lockFile)) ?? '')) {
    throw new UserError({
      file: project.lockFile,
      path: '__metadata',
      message: `service "${service}": a lock file of Yarn 2 or later, which the node build type does not install: it installs a yarn.lock with Yarn 1 only`,
      hint: `${DOCKER_WAY}, or commit a lock file of npm, pnpm or Yarn 1 instead`,
    });
  }
  const pinned = pinnedManager(project.rootManifest.packageManager);
  if (pinsYarnBerry(pinned)) {
    throw new UserError({
      file: manifestFile,
      path: 'packageManager',
      message: `service "${service}": "${project.rootManifest.packageManager}" is Yarn 2 or later, which corepack would run on ${project.lockFile}; the node build type installs a yarn.lock with Yarn 1 only`,
      hint: `pin Yarn 1, e.g. "yarn@1.22.22", or ${DOCKER_WAY}`,
    });
  }
}
