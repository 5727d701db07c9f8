import type { PackageManager } from './package-manager.js';

/** `pnpm@10.26.2+sha512.…` → pnpm, 10.26.2 (corepack's field; a URL is not a version). */
const PINNED = /^(npm|pnpm|yarn)@(\d+\.\d+\.\d+[^+]*)(\+.*)?$/;

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
  const [, pinnedManager, version] = PINNED.exec(packageManager ?? '') ?? [];
  if (pinnedManager === manager && version !== undefined && (manager !== 'yarn' || version.startsWith('1.')))
    return `${manager}@${version}`;
  if (manager === 'pnpm') return lockVersion?.startsWith('6.') === true ? 'pnpm@9' : 'pnpm@10';
  return manager === 'yarn' ? 'yarn@1' : manager;
}
