import type { NodeProject } from './find-node-project.js';
import { inFolder, inProject } from './node-project.js';

/**
 * The files of an npm workspace project as the production install of one workspace is given them:
 * the workspaces' `package.json` files, and their entries in the lock file, without
 * `devDependencies`; every other file as it is.
 *
 * Why: `npm ci --workspace=<dir> --omit=dev` installs what npm reaches from the workspace through
 * every edge, dev edges included, and omits only packages the lock file flags `dev`. A package
 * reached through a workspace (a shared tooling workspace such as jest presets, which the root
 * lists among its workspaces, so nothing under it is flagged) is then installed, with its
 * whole tree: on a real Turborepo starter, jest, ts-jest, TypeScript and Babel, some 300
 * packages, in a production image, and none of them in the part of the lock file that keys the
 * layer. Without the dev edges npm installs the production closure `npmInstallClosure` computes.
 * npm ci accepts the result: a manifest and its lock entry still agree.
 */
export function npmProductionInputs(project: NodeProject): (path: string, content: Buffer) => Buffer {
  const workspaces = [...project.workspaces.values()];
  const manifests = new Set(workspaces.map((w) => inFolder(w.dir, 'package.json')));
  const lockKeys = new Set(workspaces.map((w) => inProject(project, w.dir)));
  return (path, content) => {
    if (path === project.lockFile) {
      const lock = JSON.parse(content.toString('utf8')) as { packages?: Record<string, object> };
      for (const [key, entry] of Object.entries(lock.packages ?? {}))
        if (lockKeys.has(key)) delete (entry as { devDependencies?: unknown }).devDependencies;
      return Buffer.from(JSON.stringify(lock, null, 2));
    }
    if (!manifests.has(path)) return content;
    const manifest = JSON.parse(content.toString('utf8')) as { devDependencies?: unknown };
    delete manifest.devDependencies;
    return Buffer.from(JSON.stringify(manifest, null, 2));
  };
}
