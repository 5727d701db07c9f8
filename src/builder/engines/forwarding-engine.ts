import type { DockerEngine } from './docker-engine.js';

/**
 * A DockerEngine that passes every call to whichever engine `target()` names at the moment of
 * the call: the engine a service's steps were given before it was known where they would run.
 */
export function forwardingEngine(target: () => DockerEngine): DockerEngine {
  return {
    imageInfo: (...args) => target().imageInfo(...args),
    imageExists: (...args) => target().imageExists(...args),
    pull: (...args) => target().pull(...args),
    tag: (...args) => target().tag(...args),
    push: (...args) => target().push(...args),
    removeImage: (...args) => target().removeImage(...args),
    imagesLabelled: (...args) => target().imagesLabelled(...args),
    buildImage: (...args) => target().buildImage(...args),
    buildWithBuildkit: (...args) => target().buildWithBuildkit(...args),
    runContainer: (...args) => target().runContainer(...args),
    unreachable: (...args) => target().unreachable(...args),
    exportImage: (...args) => target().exportImage(...args),
    loadImage: (...args) => target().loadImage(...args),
  };
}
