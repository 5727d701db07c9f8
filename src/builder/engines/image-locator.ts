import { OnceByKey } from '../../core/once-by-key.js';
import type { DockerEngine, ImageInfo } from './docker-engine.js';
import { unreachableEngineOf } from './engine-endpoint.js';
import type { EnginePool, PoolEngine } from './engine-pool.js';
import { forwardingEngine } from './forwarding-engine.js';

/**
 * Which engine holds an image, for the decisions (skip, push) of a build on several engines.
 * Asks first the engine the base dir recorded for it, then the key engine, then the others, one
 * after another: a no-op asks each image's own engine once, the same number of requests as on
 * one engine, and an engine holding none of the images is not contacted.
 */
export class ImageLocator {
  private readonly found = new OnceByKey<string, PoolEngine | undefined>();
  private readonly holders = new Map<string, PoolEngine>();

  constructor(
    private readonly pool: EnginePool,
    /** The engine the base dir recorded as holding `tag`, if any. */
    private readonly recorded: (tag: string) => string | undefined,
  ) {}

  /** The engine for decideAction: its image queries answer for the whole pool. */
  engine(): DockerEngine {
    const key = this.pool.key.client;
    if (!this.pool.several) return key;
    const imageInfo = async (ref: string): Promise<ImageInfo | undefined> => {
      const holder = await this.locate(ref);
      return holder === undefined ? undefined : await holder.client.imageInfo(ref);
    };
    return {
      ...forwardingEngine(() => key),
      imageInfo,
      imageExists: async (ref) => (await this.locate(ref)) !== undefined,
    };
  }

  /** The engine found holding `tag` (on one engine: that engine). */
  holder(tag: string): PoolEngine | undefined {
    return this.pool.several ? this.holders.get(tag) : this.pool.key;
  }

  private locate(tag: string): Promise<PoolEngine | undefined> {
    return this.found.get(tag, () => this.ask(tag));
  }

  private async ask(tag: string): Promise<PoolEngine | undefined> {
    const first = this.recorded(tag);
    const order = [...this.pool.engines].sort((a, b) => Number(b.id === first) - Number(a.id === first));
    for (const engine of order) {
      if (!engine.live) continue;
      try {
        if (await engine.client.imageExists(tag)) {
          this.holders.set(tag, engine);
          return engine;
        }
      } catch (e) {
        const lost = unreachableEngineOf(e);
        if (lost === undefined || !this.pool.remove(lost, e)) throw e;
      }
    }
    return undefined;
  }
}
