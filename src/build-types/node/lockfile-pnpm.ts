import { posix } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../../core/user-error.js';
import type { LockedPackage } from './locked-package.js';

type DepMap = Record<string, string | { specifier?: string; version?: string }>;

interface Importer {
  dependencies?: DepMap;
  optionalDependencies?: DepMap;
  devDependencies?: DepMap;
}

interface Snapshot {
  resolution?: { integrity?: string; tarball?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  requiresBuild?: boolean;
}

/** A parsed `pnpm-lock.yaml` (lockfileVersion 6 of pnpm 8, or 9 of pnpm 9 and 10). */
export interface PnpmLock {
  file: string;
  version: string;
  /** By project folder: `.` for the root, `packages/api` for a workspace. */
  importers: ReadonlyMap<string, Importer>;
  /** Version 9's `packages` (resolution) merged with `snapshots` (dependencies), by snapshot key. */
  snapshots: ReadonlyMap<string, Snapshot>;
}

export function parsePnpmLock(text: string, file: string): PnpmLock {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(text) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new UserError({ file, message: `not valid YAML: ${(e as Error).message}` });
  }
  const version = String(doc['lockfileVersion'] ?? '');
  if (!/^(6|9)\./.test(version)) {
    throw new UserError({
      file,
      path: 'lockfileVersion',
      message: `lockfileVersion ${version || '(none)'} is not supported (6.x of pnpm 8, 9.x of pnpm 9 and 10 are)`,
    });
  }
  const importers = (doc['importers'] as Record<string, Importer> | undefined) ?? { '.': doc as Importer };
  const packages = (doc['packages'] as Record<string, Snapshot> | undefined) ?? {};
  const snapshots = new Map<string, Snapshot>();
  if (version.startsWith('9.')) {
    for (const [key, snap] of Object.entries(
      (doc['snapshots'] as Record<string, Snapshot> | undefined) ?? {},
    ))
      snapshots.set(key, { ...packages[withoutPeers(key)], ...snap });
  } else {
    // Version 6 keys packages `/name@version(peers)` and keeps their dependencies there.
    for (const [key, snap] of Object.entries(packages)) snapshots.set(key.replace(/^\//, ''), snap);
  }
  return { file, version, importers: new Map(Object.entries(importers)), snapshots };
}

/** `a@1.0.0(b@2.0.0)` → `a@1.0.0`. */
function withoutPeers(key: string): string {
  const paren = key.indexOf('(');
  return paren < 0 ? key : key.slice(0, paren);
}

/**
 * What `pnpm install --filter {<project>}...` installs: the project's dependencies, the
 * projects it links (`link:` versions) with theirs, and every snapshot they reach; pnpm 10
 * installs the root project's (`.`) production dependencies too, so for a workspace the root is
 * a starting point as well. Dev dependencies only of `project` itself and only with `includeDev`. Linked projects are listed
 * by folder with `link: true`; `hasInstallScript` where the lock file says `requiresBuild`
 * (pnpm 8; pnpm 9 and later no longer record it). Sorted by path.
 */
export function pnpmInstallClosure(lock: PnpmLock, project: string, includeDev: boolean): LockedPackage[] {
  const seen = new Map<string, LockedPackage>();
  const start = project === '' ? '.' : project;
  const projects: Array<[dir: string, dev: boolean]> = [
    [start, includeDev],
    ...(start === '.' ? [] : [['.', false] as [string, boolean]]),
  ];
  const snapshots: string[] = [];
  for (let p = projects.shift(); p !== undefined; p = projects.shift()) {
    const [dir, dev] = p;
    const importer = lock.importers.get(dir);
    if (importer === undefined) {
      throw new UserError({
        file: lock.file,
        message: `has no importer "${dir}"`,
        hint: 'run pnpm install so the lock file covers every workspace',
      });
    }
    const maps = [
      importer.dependencies,
      importer.optionalDependencies,
      ...(dev ? [importer.devDependencies] : []),
    ];
    for (const [name, ref] of maps.flatMap((m) => Object.entries(m ?? {}))) {
      const version = typeof ref === 'string' ? ref : (ref.version ?? '');
      if (version.startsWith('link:')) {
        const target = posix.normalize(posix.join(dir, version.slice('link:'.length)));
        if (!seen.has(target)) {
          seen.set(target, { path: target, name, version: '', resolved: target, integrity: '', link: true });
          projects.push([target, false]);
        }
      } else snapshots.push(snapshotKey(name, version));
    }
  }
  for (let key = snapshots.shift(); key !== undefined; key = snapshots.shift()) {
    if (seen.has(key)) continue;
    const snap = lock.snapshots.get(key);
    if (snap === undefined) {
      throw new UserError({
        file: lock.file,
        message: `has no package ${key}`,
        hint: 'run pnpm install so the lock file is complete',
      });
    }
    seen.set(key, locked(key, snap));
    for (const [name, version] of Object.entries({ ...snap.dependencies, ...snap.optionalDependencies }))
      snapshots.push(snapshotKey(name, version));
  }
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A dependency's version as the lock writes it → its snapshot key (aliases carry their own name). */
function snapshotKey(name: string, version: string): string {
  return withoutPeers(version).lastIndexOf('@') > 0 ? version : `${name}@${version}`;
}

function locked(key: string, snap: Snapshot): LockedPackage {
  const bare = withoutPeers(key);
  const at = bare.lastIndexOf('@');
  return {
    path: key,
    name: bare.slice(0, at),
    version: bare.slice(at + 1),
    resolved: snap.resolution?.tarball ?? '',
    integrity: snap.resolution?.integrity ?? '',
    ...(snap.requiresBuild === true ? { hasInstallScript: true } : {}),
  };
}
