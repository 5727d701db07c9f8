import { OnceByKey } from '../../core/once-by-key.js';
import type { DockerEngine, ImageInfo } from './docker-engine.js';

/**
 * The engine, with concurrent and repeated `imageInfo` lookups of one reference answered by
 * one request: fifty services on one base image ask the daemon once, not fifty times. Only
 * images found are remembered (a missing one is looked up again after its pull), so use it
 * only while nothing removes or retags images: the keys-and-decisions phase of a build.
 */
export function sharedImageLookups(engine: DockerEngine): DockerEngine {
  const lookups = new OnceByKey<string, ImageInfo | undefined>();
  const imageInfo = (ref: string): Promise<ImageInfo | undefined> =>
    lookups.get(ref, async () => {
      const info = await engine.imageInfo(ref);
      if (info === undefined) lookups.forget(ref);
      return info;
    });
  return {
    imageInfo,
    imageExists: async (ref) => (await imageInfo(ref)) !== undefined,
    pull: (...args) => engine.pull(...args),
    tag: (...args) => engine.tag(...args),
    push: (...args) => engine.push(...args),
    removeImage: (...args) => engine.removeImage(...args),
    imagesLabelled: (...args) => engine.imagesLabelled(...args),
    buildImage: (...args) => engine.buildImage(...args),
    buildWithBuildkit: (...args) => engine.buildWithBuildkit(...args),
    runContainer: (...args) => engine.runContainer(...args),
    unreachable: () => engine.unreachable(),
    exportImage: (...args) => engine.exportImage(...args),
    loadImage: (...args) => engine.loadImage(...args),
  };
}
