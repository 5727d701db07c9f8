import { UserError } from '../../core/user-error.js';
import type { ImageQueries } from '../build-type.js';
import {
  hasCommand,
  NODE_RUNTIME_PROBE,
  parseNodeRuntime,
  runtimeMismatch,
  type NodeRuntime,
} from './node-runtime.js';
import type { PackageManager } from './package-manager.js';

/** What the install and run images of a `node` service are, as far as its build depends on them. */
export interface NodeImages {
  /** The image the install and build steps run in (`buildImage`, else the run image). */
  install: { ref: string; runtime: NodeRuntime };
  run: { ref: string; runtime: NodeRuntime };
  /** How the package manager is started in the install image: itself, or through corepack. */
  manager: string[];
}

/**
 * Asks the install image (and the run image, when `buildImage` is another) which Node.js, C
 * library and package managers it has, once per image digest, and refuses before any step
 * runs what would fail later or give an image that crashes: no Node.js, no package manager for
 * the lock file (not even corepack to fetch it), no tar to hand the install back, or native
 * modules built for another ABI or C library than the run image's.
 */
export async function nodeImages(
  service: string,
  refs: { install: string; run: string },
  manager: { manager: PackageManager; npmPackage: string },
  lockFile: string,
  q: ImageQueries,
): Promise<NodeImages> {
  const ask = async (ref: string): Promise<NodeRuntime> => {
    const label = `service "${service}": asking the image ${ref} (${q.baseDigests[ref] ?? '?'}) for its Node.js`;
    try {
      return parseNodeRuntime(await q.probe(ref, NODE_RUNTIME_PROBE, label));
    } catch (e) {
      if (e instanceof SyntaxError) throw new UserError({ message: `${label}: it printed no answer` });
      throw e;
    }
  };
  const install = await ask(refs.install);
  if (hasCommand(install, 'tar') === false)
    throw new UserError({
      message: `service "${service}": the image ${refs.install} (${q.baseDigests[refs.install] ?? '?'}) has no tar on its PATH, which hands the installed node_modules back from its container`,
      hint: `build in an image that has tar (buildImage), e.g. one made FROM ${refs.install} that installs it`,
    });
  const run = refs.run === refs.install ? install : await ask(refs.run);
  if (refs.run !== refs.install) {
    const mismatch = runtimeMismatch(install, run);
    if (mismatch !== undefined)
      throw new UserError({
        message: `service "${service}": buildImage ${refs.install} cannot build for the run image ${refs.run}: ${mismatch}`,
        hint: 'native modules built in the build image would not load in the run image: give both the same Node.js major version and C library (say node:20 and node:20-slim)',
      });
  }
  return {
    install: { ref: refs.install, runtime: install },
    run: { ref: refs.run, runtime: run },
    manager: managerCommand(service, refs.install, q.baseDigests[refs.install], manager, lockFile, install),
  };
}

/** `npmPackage`: what `npm install -g` installs for the project (`managerPackage`), for the hint. */
function managerCommand(
  service: string,
  image: string,
  digest: string | undefined,
  { manager, npmPackage }: { manager: PackageManager; npmPackage: string },
  lockFile: string,
  runtime: NodeRuntime,
): string[] {
  if (hasCommand(runtime, manager) !== false) return [manager];
  // Corepack fetches the version package.json's `packageManager` pins (its own default without).
  if (manager !== 'npm' && hasCommand(runtime, 'corepack') === true) return ['corepack', manager];
  throw new UserError({
    message: `service "${service}": the image ${image} (${digest ?? '?'}) has no ${manager} on its PATH${manager === 'npm' ? '' : ', and no corepack to fetch it'}, which ${lockFile} needs`,
    hint: `build in an image that has ${manager} (buildImage), e.g. one made FROM ${image} with RUN npm install -g ${npmPackage}`,
  });
}
