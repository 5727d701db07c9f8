import { UserError } from '../../core/user-error.js';
import type { PackageManager } from './package-manager.js';

/** The fields of a `package.json` that decide what is installed and how the app starts. */
export interface PackageManifest {
  name?: string;
  version?: string;
  main?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  /** npm and Yarn 1: folder globs, as a list or as `{packages: [...]}` (Yarn 1). */
  workspaces?: string[] | { packages?: string[] };
  /** e.g. `pnpm@10.34.9`, `yarn@1.22.22` (corepack's field). */
  packageManager?: string;
  /** The npm and Node.js the project works with, which npm 10.9 and later enforce (`dev-engines.ts`). */
  devEngines?: unknown;
}

/** Lifecycle scripts that npm, Yarn 1 and pnpm run while installing a package. */
export const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

/**
 * Scripts of the project's own packages (root and workspaces) that the production install runs,
 * by manager: npm runs the `prepare` family and `prepublish` too, pnpm the `prepare` family
 * only, and Yarn 1 runs `prepublish` and `prepare` only when it installs dev dependencies, never
 * with `--production` (so a root `"prepare": "husky install"` needs no code in that install).
 */
export const PROJECT_INSTALL_SCRIPTS: Readonly<Record<PackageManager, readonly string[]>> = {
  npm: [...INSTALL_SCRIPTS, 'prepublish', 'preprepare', 'prepare', 'postprepare'],
  pnpm: [...INSTALL_SCRIPTS, 'preprepare', 'prepare', 'postprepare'],
  yarn: INSTALL_SCRIPTS,
};

/**
 * The same for an install with dev dependencies (a build script's): Yarn 1 then runs the
 * project's `prepublish` and `prepare` too.
 */
export const PROJECT_DEV_INSTALL_SCRIPTS: Readonly<Record<PackageManager, readonly string[]>> = {
  ...PROJECT_INSTALL_SCRIPTS,
  yarn: [...INSTALL_SCRIPTS, 'prepublish', 'prepare'],
};

/** Parses a package.json; bad JSON or a non-object is an error naming the file. */
export function parseManifest(text: string, file: string): PackageManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UserError({ file, message: `not valid JSON: ${(e as Error).message}` });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError({ file, message: 'must be a JSON object' });
  }
  return parsed as PackageManifest;
}

/** The workspace globs of a root manifest (npm and Yarn 1), or none. */
export function manifestWorkspaces(m: PackageManifest): string[] {
  const w = m.workspaces;
  if (Array.isArray(w)) return w.filter((x): x is string => typeof x === 'string');
  if (w !== undefined && Array.isArray(w.packages))
    return w.packages.filter((x): x is string => typeof x === 'string');
  return [];
}
