import type { Emit } from '../../core/events.js';
import { InterruptedError, isUserError, UserError, InternalError } from '../../core/user-error.js';
import type { RegistryCredentials } from '../../inputs/types.js';
import { connectEngine } from './connect-docker-engine.js';
import type { DockerEngine } from './docker-engine.js';
import { EngineBaseImages, type BaseImageState } from './engine-base-images.js';
import { connectionFailureOf, unreachableEngineOf, type EngineEndpoint } from './engine-endpoint.js';
import type { EngineSpec } from './engine-specs.js';

/** One engine of the build, with the image work it is doing now. */
export interface PoolEngine {
  /** Canonical endpoint (`tcp://host:2376`): how events, warnings and the release name it. */
  readonly id: string;
  readonly endpoint: EngineEndpoint;
  readonly client: DockerEngine;
  /** Most image builds (and pulls) at once. */
  readonly concurrency: number;
  active: number;
  /** False once it stopped answering: out of this build. */
  live: boolean;
}

/** What a service's step asks of an engine. */
export interface EngineNeeds {
  service: string;
  /** Base image → the digest (or image ID) its build key names. */
  baseImages: Readonly<Record<string, string>>;
  /** The engine that built the service last time, whose layer cache likely holds most of it. */
  lastEngine?: string;
}

export interface EngineLease {
  engine: PoolEngine;
  /** Why this engine, for the user: `least loaded`, `built this service last`, … */
  reason: string;
  release(): void;
}

export interface EnginePoolOptions {
  emit: Emit;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  /** For tests: the client of the first engine. */
  keyClient?: DockerEngine;
}

interface Ranked {
  engine: PoolEngine;
  affinity: number;
  states: Array<[string, BaseImageState]>;
  unavailable?: string;
}

/**
 * The engines of one build. The first is the key engine: it answers the build-key questions
 * (base image digests) exactly as a build on one engine does, so a no-op build contacts no
 * other engine. Image work goes to the engine with a free slot that has the most affinity
 * (built the service last, holds its base images), then the least loaded, then the first
 * listed. An engine that stops answering is taken out of the build with one warning, and what
 * ran there runs again elsewhere; the last engine is never taken out (its error is the build's).
 */
export class EnginePool {
  readonly engines: PoolEngine[];
  private baseImages: EngineBaseImages;
  private waiting: Array<() => void> = [];

  constructor(
    specs: readonly EngineSpec[],
    private readonly opts: EnginePoolOptions,
  ) {
    if (specs.length === 0) throw new InternalError('an engine pool needs an engine');
    this.engines = specs.map((s, i) => ({
      id: s.endpoint.id,
      endpoint: s.endpoint,
      client: i === 0 && opts.keyClient !== undefined ? opts.keyClient : connectEngine(s.endpoint),
      concurrency: s.concurrency,
      active: 0,
      live: true,
    }));
    this.baseImages = new EngineBaseImages(this.key, opts.authFor);
  }

  get key(): PoolEngine {
    return this.engines[0] as PoolEngine;
  }

  get several(): boolean {
    return this.engines.length > 1;
  }

  /** Most image builds at once over all engines. */
  get capacity(): number {
    return this.engines.reduce((n, e) => n + e.concurrency, 0);
  }

  /** Base images are compared with what the key engine answered while computing build keys. */
  useKeyLookups(lookups: DockerEngine): void {
    this.baseImages = new EngineBaseImages({ id: this.key.id, client: lookups }, this.opts.authFor);
  }

  /**
   * Takes the engine out of this build, with one warning naming it, and wakes the steps waiting
   * for a slot. Returns false, leaving it in, when it is the last engine answering.
   */
  remove(id: string, cause: unknown): boolean {
    const others = this.engines.filter((e) => e.live && e.id !== id);
    const engine = this.engines.find((e) => e.id === id);
    if (others.length === 0) return false;
    if (engine?.live === true) {
      engine.live = false;
      this.opts.emit({
        kind: 'warning',
        message: `engine ${id} stopped answering (${connectionFailureOf(cause)}): it is out of this build, its work goes to ${others.map((e) => e.id).join(', ')}`,
      });
      this.notify();
    }
    return true;
  }

  /**
   * A slot on the best engine for `needs`, with the base images the build key names made
   * present there. Waits while every suitable engine is busy.
   */
  async acquire(needs: EngineNeeds, signal: AbortSignal): Promise<EngineLease> {
    for (;;) {
      if (signal.aborted) throw new InterruptedError('SIGINT');
      const candidates = this.engines.filter((e) => e.live);
      const ranked = this.several ? await this.rank(candidates, needs) : candidates.map(unranked);
      const usable = ranked.filter((r) => r.engine.live && r.unavailable === undefined);
      if (usable.length === 0) {
        if (ranked.some((r) => !r.engine.live)) continue;
        throw unavailableEverywhere(needs, ranked);
      }
      const free = usable.filter((r) => r.engine.active < r.engine.concurrency).sort(preference);
      const best = free[0];
      if (best === undefined) {
        await this.changed(signal);
        continue;
      }
      best.engine.active += 1;
      let released = false;
      const lease: EngineLease = {
        engine: best.engine,
        reason: reasonOf(best, needs, this.several),
        release: () => {
          if (released) return;
          released = true;
          best.engine.active -= 1;
          this.notify();
        },
      };
      try {
        await Promise.all(best.states.map(([ref, s]) => this.baseImages.ensure(best.engine, ref, s, signal)));
        return lease;
      } catch (e) {
        lease.release();
        const lost = unreachableEngineOf(e);
        if (lost !== undefined && this.remove(lost, e)) continue;
        // A base image the engine could not pull is now unavailable there: choose again.
        if (lost === undefined && isUserError(e) && !signal.aborted) continue;
        throw e;
      }
    }
  }

  private async rank(candidates: PoolEngine[], needs: EngineNeeds): Promise<Ranked[]> {
    const refs = Object.entries(needs.baseImages);
    return await Promise.all(
      candidates.map(async (engine): Promise<Ranked> => {
        let states: Array<[string, BaseImageState]>;
        try {
          states = await Promise.all(
            refs.map(async ([ref, digest]): Promise<[string, BaseImageState]> => [
              ref,
              await this.baseImages.state(engine, ref, digest),
            ]),
          );
        } catch (e) {
          const lost = unreachableEngineOf(e);
          if (lost === undefined || !this.remove(lost, e)) throw e;
          return { engine, affinity: 0, states: [], unavailable: 'stopped answering' };
        }
        const missing = states.find(([, s]) => s.kind === 'unavailable');
        const holdsBase = refs.length > 0 && states.every(([, s]) => s.kind === 'same');
        return {
          engine,
          affinity: (needs.lastEngine === engine.id ? 2 : 0) + (holdsBase ? 1 : 0),
          states,
          ...(missing !== undefined && missing[1].kind === 'unavailable'
            ? { unavailable: `base image "${missing[0]}" ${missing[1].why}` }
            : {}),
        };
      }),
    );
  }

  private notify(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiting.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function unranked(engine: PoolEngine): Ranked {
  return { engine, affinity: 0, states: [] };
}

/** Most affinity, then the least loaded, then the first listed (sort is stable). */
function preference(a: Ranked, b: Ranked): number {
  if (a.affinity !== b.affinity) return b.affinity - a.affinity;
  return a.engine.active / a.engine.concurrency - b.engine.active / b.engine.concurrency;
}

function reasonOf(r: Ranked, needs: EngineNeeds, several: boolean): string {
  if (!several) return 'the only engine';
  if (needs.lastEngine === r.engine.id) return 'built this service last';
  if (r.affinity > 0) return 'holds its base images';
  return 'least loaded';
}

function unavailableEverywhere(needs: EngineNeeds, ranked: Ranked[]): UserError {
  return new UserError({
    message: `service "${needs.service}": no engine of this build can build it: ${ranked.map((r) => `on ${r.engine.id}, ${r.unavailable ?? 'unusable'}`).join('; ')}`,
    hint: 'push the base image to a registry, or load it onto each engine (docker save | docker load)',
  });
}
