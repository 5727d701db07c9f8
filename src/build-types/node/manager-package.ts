import type { PackageManager } from './package-manager.js';

/** `pnpm@10.26.2+sha512.…` → pnpm, 10.26.2 (corepack's field; a URL is not a version). */
const PINNED = /^(npm|pnpm|yarn)@(\d+\.\d+\.\d+[^+]*)(\+.*)?$/;

/** The manager and version `packageManager` names, if it names npm, Yarn or pnpm by version. */
export function pinnedManager(
  packageManager: string | undefined,
): { manager: PackageManager; version: string } | undefined {
  const [, manager, version] = PINNED.exec(packageManager ?? '') ?? [];
  return manager === undefined || version === undefined
    ? undefined
    : { manager: manager as PackageManager, version };
}

/** Whether a pin names Yarn 2 or later, which the node build type does not run (`refuseYarnBerry`). */
export function pinsYarnBerry(pinned: { manager: PackageManager; version: string } | undefined): boolean {
  return pinned?.manager === 'yarn' && !pinned.version.startsWith('1.');
}

/**
 * What `npm install -g` should install into an image that lacks the project's package manager:
 * the version `packageManager` pins, else for pnpm the major that reads the lock file's format
 * (the newest pnpm may not: pnpm 10 refuses the 6.0 files of pnpm 8), and for Yarn its 1.x,
 * the one whose lock file the tool reads.
 */
export function managerPackage(
  manager: PackageManager,
  packageManager: string | undefined,
  lockVersion: string | undefined,
): string {
  const pinned = pinnedManager(packageManager);
  if (pinned?.manager === manager && !pinsYarnBerry(pinned)) return `${manager}@${pinned.version}`;
  if (manager === 'pnpm') return lockVersion?.startsWith('6.') === true ? 'pnpm@9' : 'pnpm@10';
  return manager === 'yarn' ? 'yarn@1' : manager;
}
