/**
 * One package a lock file pins, in the same shape for npm, Yarn 1 and pnpm: what goes into a
 * dependency layer's key (the part of the lock file one workspace installs) and what the
 * install-script warning names.
 */
export interface LockedPackage {
  /**
   * Where the lock file places it: npm's install path (`node_modules/a/node_modules/b`),
   * Yarn 1's `name@range` keys joined with `, `, pnpm's snapshot key (`b@1.0.0(peer@2.0.0)`);
   * a workspace folder (`packages/lib`) for a workspace reached through a link.
   */
  path: string;
  name: string;
  version: string;
  /** Tarball URL (or `packages/lib` for a link); '' when the lock file records none. */
  resolved: string;
  /** Subresource integrity of the tarball; '' when the lock file records none. */
  integrity: string;
  /** A workspace of the same repository, not a downloaded package. */
  link?: boolean;
  /** The lock file says it has an install script (npm's `hasInstallScript`, pnpm's `requiresBuild`). */
  hasInstallScript?: boolean;
}

/** The fields of locked packages that decide what is installed, in a stable form to hash. */
export function lockedKeyForm(locked: readonly LockedPackage[]): unknown[] {
  return locked.map((p) => [p.path, p.version, p.resolved, p.integrity, p.link === true]);
}
