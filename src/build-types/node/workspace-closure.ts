import semver from 'semver';
import type { Workspace } from './find-node-project.js';
import type { PackageManifest } from './package-manifest.js';

/**
 * The workspaces `from` depends on, directly or through each other (not `from` itself), in
 * folder order: the folders whose files can change `from`'s image. A dependency names a
 * workspace when the names match and the range is `workspace:…`, `*`, a `file:`/`link:` path,
 * or a semver range the workspace's version satisfies (npm and Yarn 1 link those; pnpm writes
 * `workspace:` unless `link-workspace-packages` is set). Dev dependencies count only with
 * `includeDev` (a build script may use them), and only `from`'s own.
 */
export function workspaceClosure(
  from: PackageManifest,
  workspaces: ReadonlyMap<string, Workspace>,
  includeDev: boolean,
): Workspace[] {
  const found = new Map<string, Workspace>();
  const queue: Array<[PackageManifest, boolean]> = [[from, includeDev]];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [manifest, dev] = next;
    const deps = {
      ...manifest.peerDependencies,
      ...manifest.optionalDependencies,
      ...manifest.dependencies,
      ...(dev ? manifest.devDependencies : {}),
    };
    for (const [name, range] of Object.entries(deps)) {
      const ws = workspaces.get(name);
      if (
        ws === undefined ||
        ws.manifest === from ||
        found.has(ws.dir) ||
        !namesWorkspace(ws.manifest, range)
      )
        continue;
      found.set(ws.dir, ws);
      queue.push([ws.manifest, false]);
    }
  }
  return [...found.values()].sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

/** Whether a dependency range on the workspace's name is the workspace (linked) or a download. */
export function namesWorkspace(ws: PackageManifest, range: string): boolean {
  if (range === '*' || range === '' || /^(workspace|file|link):/.test(range)) return true;
  const version = ws.version;
  return version !== undefined && semver.validRange(range) !== null && semver.satisfies(version, range);
}
