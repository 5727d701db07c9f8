import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LockedPackage } from './locked-package.js';
import { INSTALL_SCRIPTS, type PackageManifest } from './package-manifest.js';

/** `name@version` of the packages the lock file marks as having an install script, sorted. */
export function lockedInstallScripts(locked: readonly LockedPackage[]): string[] {
  const names = locked.filter((p) => p.hasInstallScript === true).map((p) => `${p.name}@${p.version}`);
  return [...new Set(names)].sort();
}

/** A package found in an installed `node_modules` tree. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** The folder it is installed in. */
  dir: string;
  hasInstallScript: boolean;
}

/**
 * Every package of an installed `node_modules` tree: npm's and Yarn's nested folders and pnpm's
 * `.pnpm` store. Symbolic links (workspaces, pnpm's links between packages) are not followed,
 * so each installed copy is read once.
 */
export async function installedPackages(nodeModules: string): Promise<InstalledPackage[]> {
  const found: InstalledPackage[] = [];
  await scanNodeModules(nodeModules, found);
  return found;
}

/**
 * `name@version` of every installed package with an install script: `preinstall`, `install` or
 * `postinstall`, or a `binding.gyp` without an `install` or `preinstall` script (npm, Yarn 1 and
 * pnpm then run `node-gyp rebuild`). For the lock files that do not say: Yarn 1's never did,
 * pnpm's stopped with lockfile version 9. Sorted.
 */
export async function installedInstallScripts(nodeModules: string): Promise<string[]> {
  const packages = await installedPackages(nodeModules);
  return [...new Set(packages.filter((p) => p.hasInstallScript).map((p) => `${p.name}@${p.version}`))].sort();
}

async function scanNodeModules(dir: string, found: InstalledPackage[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === '.pnpm') {
      for (const key of await readdir(join(dir, name)))
        await scanNodeModules(join(dir, name, key, 'node_modules'), found);
    } else if (name.startsWith('@')) {
      for (const sub of await readdir(join(dir, name))) await scanPackage(join(dir, name, sub), found);
    } else if (!name.startsWith('.')) await scanPackage(join(dir, name), found);
  }
}

async function scanPackage(dir: string, found: InstalledPackage[]): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) return;
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageManifest;
  } catch {
    return;
  }
  found.push({
    name: manifest.name ?? dir,
    version: manifest.version ?? '',
    dir,
    hasInstallScript: await hasInstallScript(dir, manifest),
  });
  await scanNodeModules(join(dir, 'node_modules'), found);
}

async function hasInstallScript(dir: string, m: PackageManifest): Promise<boolean> {
  const scripts = m.scripts ?? {};
  if (INSTALL_SCRIPTS.some((s) => typeof scripts[s] === 'string')) return true;
  // npm's rule: a binding.gyp means `node-gyp rebuild` unless the package has its own
  // install or preinstall script (checked above).
  return (await lstat(join(dir, 'binding.gyp')).catch(() => undefined))?.isFile() ?? false;
}

/** The warning an `ignoreScripts: true` service gets, naming what will not be built. */
export function ignoredScriptsWarning(service: string, packages: readonly string[]): string {
  const shown = packages.slice(0, 20).join(', ');
  const more = packages.length > 20 ? ` and ${packages.length - 20} more` : '';
  return (
    `service "${service}": ignoreScripts is set, so the install scripts of ${packages.length} ` +
    `package${packages.length === 1 ? '' : 's'} will not run: ${shown}${more}; ` +
    'a package that builds a file it loads (a native module) will fail when it is required'
  );
}
