import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import type { NodeProject, Workspace } from './find-node-project.js';
import type { GitTree } from '../git-tree.js';
import { lockedKeyForm, type LockedPackage } from './locked-package.js';
import { INSTALL_SETTINGS_FILES } from './package-manager.js';

/**
 * What a `node` service's build key takes from its repository instead of the commit, so that in
 * a monorepo a commit rebuilds exactly the services whose images it changes. Object ids of git
 * trees and blobs (read once with ls-tree, no checkout, no hashing of files), by path:
 * - a service with its own lock file: its folder's tree (lock file, manifest, code, Procfile);
 * - a workspace: its folder's tree, the trees of the workspaces it depends on, the root
 *   manifest and the package manager's settings files at the root, and, for the lock file, a
 *   digest of the part of it this service installs (lockfile-npm, -yarn, -pnpm), not the
 *   file's blob, which changes with every other service's dependencies;
 * - either way, the paths that committed links in those folders point to (`linked`).
 * These are also the only files the image may take from the repository (its app layer).
 */
export function serviceKeyInputs(
  tree: GitTree,
  project: NodeProject,
  dependsOn: readonly Workspace[],
  locked: readonly LockedPackage[],
  linked: readonly string[] = [],
): Record<string, string> {
  const oid = (path: string) => tree.get(path)?.oid;
  const inputs: Record<string, string> = {};
  for (const path of linked) inputs[path] = oid(path) as string;
  if (project.workspace === undefined)
    return { [project.root || '.']: oid(project.root) as string, ...inputs };
  for (const dir of [project.workspace.dir, ...dependsOn.map((w) => w.dir)]) inputs[dir] = oid(dir) as string;
  const at = (file: string) => (project.root === '' ? file : `${project.root}/${file}`);
  for (const file of ['package.json', ...INSTALL_SETTINGS_FILES[project.manager]]) {
    const id = oid(at(file));
    if (id !== undefined) inputs[at(file)] = id;
  }
  inputs[`${project.lockFile}#${project.workspace.dir}`] = createHash('sha256')
    .update(canonicalJson(lockedKeyForm(locked)))
    .digest('hex');
  return inputs;
}
