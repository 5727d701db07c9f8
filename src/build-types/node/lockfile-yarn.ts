import yarnLockfile from '@yarnpkg/lockfile';
import { UserError } from '../../core/user-error.js';
import type { Workspace } from './find-node-project.js';
import type { LockedPackage } from './locked-package.js';
import type { PackageManifest } from './package-manifest.js';
import { namesWorkspace } from './workspace-closure.js';

interface YarnLockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** A parsed Yarn 1 `yarn.lock`: entries by `name@range` (several ranges may share one entry). */
export interface YarnLock {
  file: string;
  entries: ReadonlyMap<string, YarnLockEntry>;
}

/**
 * Reads a Yarn 1 lock file with Yarn's own parser (`@yarnpkg/lockfile`). A Yarn 2+ lock file is
 * refused before, naming the service (`refuseYarnBerry`).
 */
export function parseYarnLock(text: string, file: string): YarnLock {
  let parsed: ReturnType<typeof yarnLockfile.parse>;
  try {
    parsed = yarnLockfile.parse(text);
  } catch (e) {
    throw new UserError({ file, message: `not a valid Yarn 1 lock file: ${(e as Error).message}` });
  }
  if (parsed.type !== 'success') {
    throw new UserError({
      file,
      message: 'has merge conflict markers',
      hint: 'resolve the conflict and run yarn install',
    });
  }
  return { file, entries: new Map(Object.entries(parsed.object as Record<string, YarnLockEntry>)) };
}

/**
 * What Yarn 1 installs for a set of manifests (a workspace, the workspaces it depends on and the
 * root package, whose `dependencies` Yarn 1 always installs): every lock entry reachable from their
 * dependencies by `name@range`. A dependency on one of `workspaces` (by name, with a range its
 * version satisfies, as Yarn 1 links them) is a link, listed by folder with `link: true`; the
 * workspace's own dependencies come from its manifest in `manifests`. Sorted by path.
 */
export function yarnInstallClosure(
  lock: YarnLock,
  manifests: readonly PackageManifest[],
  workspaces: ReadonlyMap<string, Workspace>,
  includeDev: boolean,
): LockedPackage[] {
  const seen = new Map<string, LockedPackage>();
  const queue: Array<[name: string, range: string, optional: boolean]> = [];
  for (const m of manifests) {
    for (const [name, range] of Object.entries(m.dependencies ?? {})) queue.push([name, range, false]);
    for (const [name, range] of Object.entries(m.optionalDependencies ?? {})) queue.push([name, range, true]);
    if (includeDev)
      for (const [name, range] of Object.entries(m.devDependencies ?? {})) queue.push([name, range, false]);
  }
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [name, range, optional] = next;
    const ws = workspaces.get(name);
    if (ws !== undefined && namesWorkspace(ws.manifest, range)) {
      seen.set(ws.dir, { path: ws.dir, name, version: '', resolved: ws.dir, integrity: '', link: true });
      continue;
    }
    const key = `${name}@${range}`;
    const entry = lock.entries.get(key);
    if (entry === undefined) {
      if (optional) continue;
      throw new UserError({
        file: lock.file,
        message: `has no entry for ${key}`,
        hint: 'run yarn install so the lock file matches package.json',
      });
    }
    const id = `${name}@${entry.version}`;
    if (seen.has(id)) continue;
    seen.set(id, {
      path: id,
      name,
      version: entry.version,
      resolved: entry.resolved ?? '',
      integrity: entry.integrity ?? '',
    });
    for (const [dep, r] of Object.entries(entry.dependencies ?? {})) queue.push([dep, r, false]);
    for (const [dep, r] of Object.entries(entry.optionalDependencies ?? {})) queue.push([dep, r, true]);
  }
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
