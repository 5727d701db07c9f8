import { isUserError } from '../../core/user-error.js';
import type { RegistryCredentials } from '../../inputs/types.js';
import type { DockerEngine } from './docker-engine.js';
import { unreachableEngineOf } from './engine-endpoint.js';
import { forwardingEngine } from './forwarding-engine.js';

export interface LeaseOptions {
  /** The service's image of the previous release, for `--cache-from`. */
  cacheImage?: string;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
}

/**
 * The engine as one service's step sees it: builds reuse the layers of the previous release's
 * image. The legacy builder only uses images it holds, so the image is pulled onto the engine
 * first when it is not there. BuildKit imports the cache that a pushed image carries (its
 * inline cache) straight from the registry, so an image pinned by digest is named as it is,
 * and nothing is pulled; an image in an engine's local store only is of no use to it (BuildKit
 * reuses its own cache on the engine that built it).
 */
export function leaseEngine(engine: DockerEngine, opts: LeaseOptions): DockerEngine {
  let cacheReady: Promise<boolean> | undefined;
  const cacheImage = opts.cacheImage;
  return {
    ...forwardingEngine(() => engine),
    async buildImage(build) {
      if (build.noCache || cacheImage === undefined) return await engine.buildImage(build);
      cacheReady ??= ensureCacheImage(engine, cacheImage, opts, build.signal, build.onLine);
      const ready = await cacheReady;
      return await engine.buildImage(ready ? { ...build, cacheFrom: [cacheImage] } : build);
    },
    async buildWithBuildkit(build) {
      const inRegistry = cacheImage !== undefined && cacheImage.includes('@sha256:');
      return await engine.buildWithBuildkit(
        build.noCache || !inRegistry ? build : { ...build, cacheFrom: [cacheImage] },
      );
    },
  };
}

/**
 * Whether `image` is on the engine, pulling it when it is pinned by digest (a pushed release).
 * A cache image that cannot be had is no failure: the build runs without it, and says so.
 * An engine that stops answering is, and is passed on.
 */
async function ensureCacheImage(
  engine: DockerEngine,
  image: string,
  opts: LeaseOptions,
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<boolean> {
  if (await engine.imageExists(image)) return true;
  if (!image.includes('@sha256:')) return false;
  try {
    onLine(`pulling ${image} to reuse its layers (cache-from)`);
    await engine.pull(image, await opts.authFor(image), signal);
    return true;
  } catch (e) {
    if (!isUserError(e) || unreachableEngineOf(e) !== undefined) throw e;
    onLine(`building without cache-from: ${e.problems[0]?.message ?? e.message}`);
    return false;
  }
}
