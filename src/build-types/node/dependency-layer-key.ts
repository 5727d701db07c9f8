import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import { lockedKeyForm, type LockedPackage } from './locked-package.js';
import type { PackageManager } from './package-manager.js';

/**
 * Everything the production dependencies of one service's image are made of, and nothing else:
 * a layer made from equal inputs is byte for byte the same (its timestamps are fixed, not the
 * commit's), so it is reused without running the package manager. Not in it: the app's own
 * files, the commit, the time, paths of the base dir, and secrets (an npmrc given as a build
 * secret changes how the registry is reached, not what the lock file pins).
 */
export interface DependencyLayerInputs {
  /** Bump when the way the layer is made changes (commands, what is kept, normalisation). */
  stepVersion: string;
  manager: PackageManager;
  /** The image the install runs in (the `buildImage`, else the base), by digest or image ID. */
  installImage: string;
  /**
   * What the layer must be compatible with at run time: the run image's Node.js version and libc
   * (native modules are built for an ABI and a C library, not for a digest), e.g. `20.20.2 glibc`.
   * With no separate build image the install image's digest covers it already.
   */
  runtime: string;
  /** `linux/amd64`. */
  platform: string;
  /** The service's folder relative to the project root ('' when it is the root project). */
  workspace: string;
  /** The part of the lock file this service installs (lockfile-npm, -yarn, -pnpm). */
  locked: readonly LockedPackage[];
  /**
   * Git object ids of the other files the install reads: the root manifest and those of the
   * service and the workspaces it depends on, and the package manager's settings files
   * (INSTALL_SETTINGS_FILES), by repository-relative path.
   */
  installFiles: Readonly<Record<string, string>>;
  ignoreScripts: boolean;
  /** `env:` of the service as written (an `!env` value by its name), set for the install. */
  env: Readonly<Record<string, unknown>>;
}

/** 32 hex characters of sha256 over the canonical JSON of the inputs. */
export function dependencyLayerKey(inputs: DependencyLayerInputs): string {
  const canonical = canonicalJson({
    ...inputs,
    locked: lockedKeyForm(inputs.locked),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
