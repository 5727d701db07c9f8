import type { Readable } from 'node:stream';
import type { LayerEntry } from '../../inputs/oci-types.js';
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
  /** The folder it is installed in, as the entries name it. */
  dir: string;
  hasInstallScript: boolean;
}

/** `…/node_modules/<name>/package.json` and `…/node_modules/@scope/<name>/package.json`. */
const MANIFEST = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/@.][^/]*)\/package\.json$/;

/**
 * Every package of an installed tree given as layer entries (what an install step collected):
 * npm's and Yarn's nested folders and pnpm's `.pnpm` store. Symbolic links (workspaces, pnpm's
 * links between packages) are entries of their own, not followed, so each installed copy is
 * read once.
 */
export async function installedPackages(entries: readonly LayerEntry[]): Promise<InstalledPackage[]> {
  const paths = new Set(entries.filter((e) => e.type === 'file').map((e) => e.path));
  const found: InstalledPackage[] = [];
  for (const e of entries) {
    if (e.type !== 'file' || !MANIFEST.test(e.path)) continue;
    let manifest: PackageManifest;
    try {
      manifest = JSON.parse(await text(await e.content())) as PackageManifest;
    } catch {
      continue;
    }
    const dir = e.path.slice(0, -'/package.json'.length);
    found.push({
      name: manifest.name ?? dir,
      version: manifest.version ?? '',
      dir,
      hasInstallScript: hasInstallScript(manifest, paths.has(`${dir}/binding.gyp`)),
    });
  }
  return found;
}

/**
 * `name@version` of every installed package with an install script: `preinstall`, `install` or
 * `postinstall`, or a `binding.gyp` without an `install` or `preinstall` script (npm, Yarn 1 and
 * pnpm then run `node-gyp rebuild`). For the lock files that do not say: Yarn 1's never did,
 * pnpm's stopped with lockfile version 9. Sorted.
 */
export async function installedInstallScripts(entries: readonly LayerEntry[]): Promise<string[]> {
  const packages = await installedPackages(entries);
  return [...new Set(packages.filter((p) => p.hasInstallScript).map((p) => `${p.name}@${p.version}`))].sort();
}

function hasInstallScript(m: PackageManifest, bindingGyp: boolean): boolean {
  const scripts = m.scripts ?? {};
  // npm's rule: a binding.gyp means `node-gyp rebuild` unless the package has its own
  // install or preinstall script (which the first test finds).
  return INSTALL_SCRIPTS.some((s) => typeof scripts[s] === 'string') || bindingGyp;
}

/** The text of an entry's content. */
export async function text(content: Buffer | Readable): Promise<string> {
  if (Buffer.isBuffer(content)) return content.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const c of content) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The warning an `ignoreScripts: true` service gets, naming what will not be built. */
export function ignoredScriptsWarning(service: string, packages: readonly string[]): string {
  return (
    `service "${service}": ignoreScripts is set, so the install scripts of ${count(packages)} will not run: ` +
    `${shown(packages)}; a package that builds a file it loads (a native module) will fail when it is required`
  );
}

/** The warning of a pnpm install that left install scripts out, as pnpm 10 does by default. */
export function pnpmIgnoredBuildsWarning(service: string, packages: readonly string[]): string {
  return (
    `service "${service}": pnpm did not run the install scripts of ${count(packages)}: ${shown(packages)}; ` +
    'pnpm runs only those its settings allow (onlyBuiltDependencies in pnpm-workspace.yaml or package.json)'
  );
}

function count(packages: readonly string[]): string {
  return `${packages.length} package${packages.length === 1 ? '' : 's'}`;
}

function shown(packages: readonly string[]): string {
  const more = packages.length > 20 ? ` and ${packages.length - 20} more` : '';
  return `${packages.slice(0, 20).join(', ')}${more}`;
}
