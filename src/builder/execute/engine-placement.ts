import { InternalError } from '../../core/user-error.js';
import type { Emit } from '../../core/events.js';
import type { RegistryCredentials } from '../../inputs/types.js';
import type { PlanAction } from '../../core/events.js';
import type { Step } from '../graph/step.js';
import type { DockerEngine } from '../engines/docker-engine.js';
import { unreachableEngineOf } from '../engines/engine-endpoint.js';
import { leaseEngine } from '../engines/engine-lease.js';
import type { EngineNeeds, EnginePool, PoolEngine } from '../engines/engine-pool.js';
import { forwardingEngine } from '../engines/forwarding-engine.js';
import type { ImageLocator } from '../engines/image-locator.js';
import type { EngineUse } from '../producers/image-producer.js';

export interface PlacementOptions {
  pool: EnginePool;
  locator: ImageLocator;
  emit: Emit;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  /** The previous release's image of each service, whose layers a build may reuse. */
  cacheImages: ReadonlyMap<string, string>;
  /** The engine that last built each service (base-dir records). */
  lastEngines: ReadonlyMap<string, string>;
  /** Remembers, with several engines, which engine now holds a service's image. */
  record(service: string, image: string, engine: string): Promise<void>;
}

/** A service's steps for an action, given the engine and emit they are to use. */
export type StepsFor = (action: PlanAction, engine: DockerEngine, emit: Emit) => Step[];

/** What placing a service's steps needs to know of it. */
export interface PlacedJob {
  name: string;
  tag: string;
  action: PlanAction;
  /** Base image → the digest (or image ID) its build key names. */
  baseImages: Readonly<Record<string, string>>;
}

interface Placed {
  name: string;
  tag: string;
  needs: EngineNeeds;
  /** The engine the steps' calls go to right now. */
  current: DockerEngine | undefined;
  /** The engine that holds the service's image (built, pulled, or found there). */
  holder: PoolEngine | undefined;
  /** The build step, to build again when the image's engine is lost before its push. */
  rebuild: () => Step | undefined;
}

/**
 * Runs each service's steps on the engines of the pool. A step that builds or pulls takes a
 * slot on the engine the pool chooses when the step starts; a push runs on the engine holding
 * the image, so its bytes never pass through this machine. When an engine stops answering,
 * the step runs again elsewhere (a push builds the image again first); a failure of the
 * service itself (a failing RUN) is never retried. Build types get their engine as before.
 */
export class EnginePlacement {
  private readonly placed = new Map<string, Placed>();

  constructor(private readonly opts: PlacementOptions) {}

  /**
   * `use` says what the steps need engines for: `image`, an image an engine builds (or pulls)
   * and pushes; `code-steps`, only the containers of its build step, for an image the tool
   * writes itself (its push goes from the base dir to the registry, and loading goes to the
   * first engine).
   */
  place(job: PlacedJob, use: EngineUse, stepsFor: StepsFor): Step[] {
    const { name, tag } = job;
    const last = this.opts.lastEngines.get(name);
    const svc: Placed = {
      name,
      tag,
      needs: { service: name, baseImages: job.baseImages, ...(last ? { lastEngine: last } : {}) },
      current: undefined,
      holder: job.action === 'push' ? this.opts.locator.holder(tag) : undefined,
      rebuild: () => undefined,
    };
    this.placed.set(name, svc);
    const engine = forwardingEngine(() => {
      if (svc.current === undefined) throw new InternalError(`no engine chosen for ${name}`);
      return svc.current;
    });
    const emit: Emit = (e) =>
      this.opts.emit(
        e.kind === 'image-pushed' && this.opts.pool.several && svc.holder !== undefined
          ? { ...e, engine: svc.holder.id }
          : e,
      );
    svc.rebuild = () => stepsFor('build', engine, emit).find((s) => s.name === 'build');
    return stepsFor(job.action, engine, emit).map((step) => {
      if (use === 'code-steps' && step.name !== 'build') return step;
      return {
        ...step,
        run: (ctx) => (step.name === 'push' ? this.push(svc, step, ctx) : this.onSlot(svc, step, ctx)),
      };
    });
  }

  /** The engine to name in the release for `service`, when images stay on several engines. */
  holderOf(service: string, tag: string): PoolEngine | undefined {
    return this.placed.get(service)?.holder ?? this.opts.locator.holder(tag);
  }

  private async onSlot(svc: Placed, step: Step, ctx: { signal: AbortSignal }): ReturnType<Step['run']> {
    const { pool } = this.opts;
    const needs = step.name === 'build' ? svc.needs : { ...svc.needs, baseImages: {} };
    for (;;) {
      const lease = await pool.acquire(needs, ctx.signal);
      const { engine } = lease;
      const cacheImage = this.opts.cacheImages.get(svc.name);
      svc.current = leaseEngine(engine.client, {
        ...(cacheImage !== undefined && cacheImage !== svc.tag ? { cacheImage } : {}),
        authFor: this.opts.authFor,
      });
      this.chosen(svc, step.name, engine, lease.reason);
      try {
        const outcome = await step.run(ctx);
        svc.holder = engine;
        if (pool.several) await this.opts.record(svc.name, svc.tag, engine.id);
        return outcome;
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        const lost = unreachableEngineOf(e);
        if (lost === undefined || !pool.remove(lost, e)) throw e;
      } finally {
        lease.release();
      }
    }
  }

  private async push(svc: Placed, step: Step, ctx: { signal: AbortSignal }): ReturnType<Step['run']> {
    for (;;) {
      const holder = svc.holder;
      if (holder === undefined || !holder.live) {
        // The image was on an engine that is gone: build it again elsewhere, then push that.
        const build = svc.rebuild();
        if (build === undefined) throw new InternalError(`no build step for ${svc.name}`);
        await this.onSlot(svc, build, ctx);
        continue;
      }
      svc.current = holder.client;
      this.chosen(svc, step.name, holder, 'holds the image');
      try {
        return await step.run(ctx);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        const lost = unreachableEngineOf(e);
        if (lost === undefined || !this.opts.pool.remove(lost, e)) throw e;
        if (lost === holder.id) svc.holder = undefined;
      }
    }
  }

  private chosen(svc: Placed, step: string, engine: PoolEngine, reason: string): void {
    if (!this.opts.pool.several) return;
    this.opts.emit({ kind: 'engine-chosen', service: svc.name, step, engine: engine.id, reason });
  }
}
