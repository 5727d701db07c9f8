import { UserError } from '../../core/user-error.js';
import type { LockedPackage } from './locked-package.js';

/** One entry of `packages` in a package-lock.json (lockfileVersion 2 or 3). */
interface NpmLockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  hasInstallScript?: boolean;
  /** The commands it installs into `node_modules/.bin`: name → file (npm writes the object form). */
  bin?: Record<string, string> | string;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  /** Dependencies that come inside the package's own tarball (`true`: all of them). */
  bundleDependencies?: string[] | boolean;
}

/** A parsed package-lock.json or npm-shrinkwrap.json: entries by install path (`''` is the root). */
export interface NpmLock {
  file: string;
  packages: ReadonlyMap<string, NpmLockEntry>;
}

/**
 * Reads a lock file written by npm 7 or later (lockfileVersion 2 or 3: a `packages` map keyed by
 * install path). npm 6's version 1 has no such map; the user is asked to let a newer npm rewrite
 * it, which is one `npm install --package-lock-only`.
 */
export function parseNpmLock(text: string, file: string): NpmLock {
  let parsed: { lockfileVersion?: unknown; packages?: unknown } | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (e) {
    throw new UserError({ file, message: `not valid JSON: ${(e as Error).message}` });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError({ file, message: 'must be a JSON object, as npm writes it' });
  }
  if (typeof parsed.packages !== 'object' || parsed.packages === null) {
    throw new UserError({
      file,
      path: 'lockfileVersion',
      message: `lockfileVersion ${String(parsed.lockfileVersion)} has no "packages" map (npm 6 and older write that form)`,
      hint: 'rewrite it with npm 7 or later: npm install --package-lock-only',
    });
  }
  return { file, packages: new Map(Object.entries(parsed.packages as Record<string, NpmLockEntry>)) };
}

/** Workspace folders (`packages/api`) by package name, as the lock file links them. */
export function npmWorkspaces(lock: NpmLock): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, entry] of lock.packages) {
    if (entry.link === true && entry.resolved !== undefined && path.startsWith('node_modules/')) {
      const target = lock.packages.get(entry.resolved);
      if (target !== undefined && !entry.resolved.includes('node_modules/')) {
        out.set(target.name ?? path.slice('node_modules/'.length), entry.resolved);
      }
    }
  }
  return out;
}

/**
 * Every command (`node_modules/.bin` name) the lock file's packages provide (those at the install
 * paths `only`, if given), by the package providing it; a string `bin` is named after the
 * package, as npm links it.
 */
export function npmLockCommands(lock: NpmLock, only?: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, entry] of lock.packages) {
    if (entry.bin === undefined || !path.includes('node_modules/') || only?.has(path) === false) continue;
    const name = lockedPackage(path, entry).name;
    const names = typeof entry.bin === 'string' ? [name.replace(/^@[^/]+\//, '')] : Object.keys(entry.bin);
    for (const command of names) if (!out.has(command)) out.set(command, name);
  }
  return out;
}

/**
 * What npm installs for `from` (`''` for the root package, or a workspace folder): every lock
 * entry reachable from its dependencies by Node's lookup (the nearest `node_modules/<name>`
 * up the path), following `dependencies`, `optionalDependencies` and `peerDependencies`
 * (npm 7+ installs peers; one the lock file lacks is not installed), through workspace links. Dev dependencies only of `from` itself and
 * only with `includeDev`. Workspace folders reached through links are listed with `link: true`.
 */
export function npmInstallClosure(lock: NpmLock, from: string, includeDev: boolean): LockedPackage[] {
  const start = lock.packages.get(from);
  if (start === undefined) {
    throw new UserError({
      file: lock.file,
      message: `has no entry for "${from || '.'}"`,
      hint: 'run npm install so the lock file covers every workspace',
    });
  }
  const seen = new Map<string, LockedPackage>();
  const queue: Array<[location: string, entry: NpmLockEntry, dev: boolean]> = [[from, start, includeDev]];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [location, entry, dev] = next;
    for (const [name, optional] of edges(entry, dev)) {
      const found = resolve(lock, location, name);
      if (found === undefined) {
        if (optional) continue;
        throw new UserError({
          file: lock.file,
          message: `"${location || '.'}" depends on ${name}, which the lock file does not hold`,
          hint: 'run npm install so the lock file matches package.json',
        });
      }
      const [path, target] = found;
      if (seen.has(path)) continue;
      seen.set(path, lockedPackage(path, target));
      if (target.link === true && target.resolved !== undefined) {
        const linked = lock.packages.get(target.resolved);
        if (linked !== undefined && !seen.has(target.resolved)) {
          seen.set(target.resolved, { ...lockedPackage(target.resolved, linked), link: true });
          queue.push([target.resolved, linked, false]);
        }
      } else queue.push([path, target, false]);
    }
  }
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Dependency names of an entry, each with whether a missing one is fine. A peer is: `npm ci`
 * installs the lock file's tree as it is, and a lock written with `legacy-peer-deps` (common
 * since React 19's peer ranges) holds no peers at all.
 */
function edges(entry: NpmLockEntry, dev: boolean): Array<[string, boolean]> {
  const out = new Map<string, boolean>();
  for (const name of Object.keys(entry.peerDependencies ?? {})) out.set(name, true);
  for (const name of Object.keys(entry.optionalDependencies ?? {})) out.set(name, true);
  for (const name of Object.keys(entry.dependencies ?? {})) out.set(name, false);
  if (dev) for (const name of Object.keys(entry.devDependencies ?? {})) out.set(name, false);
  // Bundled ones are in the tarball, whose integrity the key has; npm writes no entry for them
  // when the package is not installed here (an optional one for another platform).
  const bundled = entry.bundleDependencies;
  for (const name of bundled === true ? Object.keys(entry.dependencies ?? {}) : bundled || [])
    out.delete(name);
  return [...out];
}

/** Node's lookup: `<dir>/node_modules/<name>` from `location` up to the root. */
function resolve(lock: NpmLock, location: string, name: string): [string, NpmLockEntry] | undefined {
  for (let dir = location; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/')))) {
    const path = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    const entry = lock.packages.get(path);
    if (entry !== undefined) return [path, entry];
    if (dir === '') return undefined;
  }
}

function lockedPackage(path: string, e: NpmLockEntry): LockedPackage {
  const name = e.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return {
    path,
    name,
    version: e.version ?? '',
    resolved: e.resolved ?? '',
    integrity: e.integrity ?? '',
    ...(e.link === true ? { link: true } : {}),
    ...(e.hasInstallScript === true ? { hasInstallScript: true } : {}),
  };
}
