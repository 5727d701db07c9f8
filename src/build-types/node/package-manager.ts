export type PackageManager = 'npm' | 'yarn' | 'pnpm';

/**
 * Lock files in the order they are looked for in a folder: npm's shrinkwrap first, since npm
 * installs from it when a folder has both.
 */
export const LOCK_FILES: ReadonlyArray<readonly [file: string, manager: PackageManager]> = [
  ['npm-shrinkwrap.json', 'npm'],
  ['package-lock.json', 'npm'],
  ['yarn.lock', 'yarn'],
  ['pnpm-lock.yaml', 'pnpm'],
];

/**
 * Files besides manifests and the lock file that change what a package manager installs, by
 * folder of the project (root or workspace): registry and auth settings, pnpm's workspace file
 * and install hooks. The npmrc or yarnrc given as a build secret is not one of them: its value
 * never enters a key.
 */
export const INSTALL_SETTINGS_FILES: Readonly<Record<PackageManager, readonly string[]>> = {
  npm: ['.npmrc'],
  yarn: ['.npmrc', '.yarnrc'],
  pnpm: ['.npmrc', 'pnpm-workspace.yaml', '.pnpmfile.cjs'],
};
