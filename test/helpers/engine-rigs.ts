import { after, before } from 'node:test';
import { ensureBusyboxImage } from './base-images.js';
import { BuildRig } from './build-rig.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { copyImageTo, removeImagesOn, requireSecondEngine, SECOND_ENGINE } from './second-engine.js';

export interface EngineRigs {
  /** `count` docker services `svc-0`…, each with `dockerfile(name)`; images under a fresh prefix. */
  rig(count: number, dockerfile: (name: string) => string): BuildRig;
  /** The test registry (with `registry: true`); the rigs' prefix is on it. */
  readonly registry: TestRegistry;
}

/**
 * The set-up of a test file that builds on both engines: the second engine must be there, the
 * busybox base image is on both (same image ID), and every rig's images are removed from both
 * afterwards. Registers its own before/after hooks.
 */
export function engineRigs(label: string, opts: { registry?: boolean } = {}): EngineRigs {
  const rigs: BuildRig[] = [];
  let registry: TestRegistry | undefined;
  let n = 0;
  before(async () => {
    requireSecondEngine();
    copyImageTo(ensureBusyboxImage());
    if (opts.registry === true) registry = await startRegistry();
  });
  after(async () => {
    for (const r of rigs) {
      r.cleanup();
      removeImagesOn(SECOND_ENGINE, r.prefix);
    }
    await registry?.stop();
  });
  return {
    rig(count, dockerfile) {
      const prefix = `${registry !== undefined ? `${registry.host}/` : ''}tci-${label}-${process.pid}-${++n}/`;
      const names = Array.from({ length: count }, (_, i) => `svc-${i}`);
      const r = BuildRig.create(
        names.map((name) => ({ name, dockerfile: dockerfile(name) })),
        { prefix },
      );
      rigs.push(r);
      return r;
    },
    get registry() {
      if (registry === undefined) throw new Error('engineRigs: no registry asked for');
      return registry;
    },
  };
}
