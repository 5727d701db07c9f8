import type { ServiceBuild } from '../../build-types/build-type.js';
import type { Emit } from '../../core/events.js';
import { OnceByKey } from '../../core/once-by-key.js';
import type { DockerEngine } from '../engines/docker-engine.js';
import { OciLayout } from '../oci/oci-layout.js';
import { hostPlatform } from '../registry/select-platform.js';
import { imageLayoutDir } from '../state/build-layout.js';
import { AppBaseSources, type AppBaseContext } from './app-base-images.js';
import { ImageProbes } from './image-probes.js';
import type { BuildContextOptions } from './build-context.js';
import type { EngineProducerDeps } from './engine-image-producer.js';
import type { ImageProducer } from './image-producer.js';
import { producerFor } from './producer-for.js';

export interface ProducerOptions extends EngineProducerDeps, BuildContextOptions {
  emit: Emit;
  /** The first engine's client: what images are loaded into. */
  daemon: DockerEngine;
}

/**
 * What the producers of one build share (the image layout, base image lookups, whether a daemon
 * answers, asked once), and the producer of each service's image.
 */
export function buildProducers(opts: ProducerOptions): (build: ServiceBuild) => ImageProducer {
  const layout = new OciLayout(imageLayoutDir(opts.baseDir));
  // Asked at most once, and only by what needs a daemon: a --push build of images the tool
  // writes, on bases in a registry, never does.
  let down: Promise<string | undefined> | undefined;
  const engineUnreachable = () => (down ??= opts.daemon.unreachable());
  // Without --push every build asks it: asked now, the answer comes while git resolves sources.
  if (!opts.push) engineUnreachable().catch(() => undefined);
  const platform = hostPlatform();
  const appBases: AppBaseContext = {
    baseDir: opts.baseDir,
    layout,
    engine: opts.keyEngine,
    engineUnreachable,
    authFor: opts.authFor,
    platform,
    signal: opts.signal,
    lookups: new OnceByKey(),
  };
  let collected: Promise<void> | undefined;
  const deps = {
    ...opts,
    layout,
    engineUnreachable,
    platform: [platform.os, platform.architecture, platform.variant]
      .filter((x) => x !== undefined && x !== '')
      .join('/'),
    appBases,
    bases: new AppBaseSources(appBases),
    probes: new ImageProbes(opts.baseDir),
    // Lazy: the collector reaches the layer writer (tar-stream, pako, worker threads), which a
    // build that skips every service never needs.
    collectGarbage: () =>
      (collected ??= import('./collect-image-garbage.js').then((m) =>
        m.collectImageGarbage(opts.baseDir, layout),
      )),
  };
  return (build) => producerFor(build.image, deps);
}
