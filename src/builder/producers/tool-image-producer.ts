import { rm } from 'node:fs/promises';
import type { ToolImageRecipe } from '../../build-types/build-type.js';
import { InternalError, isUserError } from '../../core/user-error.js';
import type { Digest, ImageRef } from '../../inputs/types.js';
import { runCodeStep, type CodeStepRuntime } from '../containers/run-code-step.js';
import type { BaseImageDigest } from '../engines/resolve-base-image-digests.js';
import type { Step } from '../graph/step.js';
import { runcStateDir, stepLogFile } from '../state/build-layout.js';
import { commitTime } from '../sources/commit-time.js';
import {
  pinnedRef,
  resolveAppBaseImage,
  type AppBaseContext,
  type AppBaseSources,
} from './app-base-images.js';
import { buildContext, freshBuildDirs } from './build-context.js';
import { hasRegistry } from './has-registry.js';
import type { Decision, ImageJob, ImageProducer, ResolvedBases, StepRun } from './image-producer.js';
import {
  builtImage,
  loadIntoDaemon,
  pullIntoLayout,
  pushFromLayout,
  type LayoutImageOptions,
} from './layout-images.js';

/** What an image the tool writes needs of the build; one per build, shared by its services. */
export interface ToolProducerDeps extends LayoutImageOptions {
  baseDir: string;
  images: Readonly<Record<string, string>>;
  push: boolean;
  noCache: boolean;
  /** Each service's build secrets by id, in memory only. */
  secrets: ReadonlyMap<string, ReadonlyMap<string, Uint8Array>>;
  /** `linux/amd64`: the platform the images are written for (part of their build keys). */
  platform: string;
  appBases: AppBaseContext;
  bases: AppBaseSources;
  head(ref: ImageRef): Promise<Digest | undefined>;
  /** After image work: the layout keeps only what its images need (once per build). */
  collectGarbage(): Promise<void>;
}

/**
 * An image the tool writes (`node`, `heroku-buildpack`): the build type's code steps run in
 * containers, the tool writes the image into the base dir's OCI layout (same inputs, same
 * digest) and pushes it from there or loads it into the first engine. Its record is the
 * layout, not a daemon; no daemon is needed with `--push` and bases in a registry.
 */
export class ToolImageProducer implements ImageProducer {
  readonly reproducible = true;
  readonly engineUse = 'code-steps';
  readonly keyExtras: { platform: string };

  constructor(
    private readonly recipe: ToolImageRecipe,
    private readonly deps: ToolProducerDeps,
  ) {
    // The same base index gives another image on another architecture.
    this.keyExtras = { platform: deps.platform };
  }

  async resolveBases(service: string, refs: readonly string[], dryRun: boolean): Promise<ResolvedBases> {
    const bases: BaseImageDigest[] = [];
    let unknown: string | undefined;
    for (const ref of refs) {
      try {
        bases.push(await resolveAppBaseImage(service, ref, this.deps.appBases));
      } catch (e) {
        if (!dryRun || !isUserError(e)) throw e;
        unknown ??= e.problems[0]?.message ?? e.message;
      }
    }
    return { bases, ...(unknown !== undefined ? { unknown } : {}) };
  }

  /**
   * With `--push` the registry decides (skip when it has the tag, push what the layout holds,
   * else build) and no daemon is asked; without, an image in the layout is skipped when the
   * daemon has it and loaded when it does not (or, with no daemon at all, left in the layout
   * with a warning); an image only the registry has is pulled into the layout.
   */
  async decide({ name, tag }: { name: string; tag: ImageRef }, whyBuild: string): Promise<Decision> {
    const { layout, head } = this.deps;
    if (this.deps.push) {
      const digest = await head(tag);
      if (digest !== undefined) return { action: 'skip', reason: 'already in the registry', digest };
      if ((await layout.findImage(tag)) !== undefined)
        return { action: 'push', reason: 'built earlier (in the base dir), not yet in the registry' };
      return { action: 'build', reason: whyBuild };
    }
    const built = await layout.findImage(tag);
    if (built !== undefined) {
      const digest = built.descriptor.digest;
      const down = await this.deps.engineUnreachable();
      if (down !== undefined) {
        const warning = `service "${name}": not loaded into a Docker daemon (${down}); the image ${tag} is in the image layout ${layout.dir}`;
        return { action: 'skip', reason: 'built earlier (in the base dir)', digest, warning };
      }
      if ((await this.deps.daemon.imageInfo(tag))?.id === built.manifest.config.digest)
        return { action: 'skip', reason: 'already in the local daemon', digest };
      return { action: 'load', reason: 'built earlier (in the base dir), not in the local daemon', digest };
    }
    if (hasRegistry(tag) && (await head(tag).catch(() => undefined)) !== undefined)
      return { action: 'pull', reason: 'in the registry, not in the base dir' };
    return { action: 'build', reason: whyBuild };
  }

  /**
   * `build` (code steps in containers, the image into the layout, then without `--push` into
   * the daemon), `push` (from the layout straight to the registry), `load` (from the layout into
   * the daemon) or `pull` (from the registry into the layout and the daemon).
   */
  steps(job: ImageJob, run: StepRun): Step[] {
    const { name, tag, action } = job;
    const lines = (step: string) => (line: string) =>
      run.emit({ kind: 'log-line', service: name, step, line });
    const opts = { ...this.deps, emit: run.emit };
    const step = (s: Omit<Step, 'id' | 'service' | 'deps'>, deps: string[] = []): Step => ({
      ...s,
      id: `${name}:${s.name}`,
      service: name,
      deps,
    });
    const steps: Step[] = [];
    if (action === 'build')
      steps.push(
        step({
          name: 'build',
          pool: 'image',
          logFile: this.log(name, 'build'),
          run: (c) => this.build(job, run, c.signal),
        }),
      );
    if ((action === 'build' && this.deps.push) || action === 'push') {
      const push = async ({ signal }: { signal: AbortSignal }) => {
        const digest = await pushFromLayout(
          await builtImage(this.deps.layout, tag),
          opts,
          lines('push'),
          signal,
        );
        run.outcome.digest = digest;
        run.emit({ kind: 'image-pushed', service: name, ref: tag.slice(0, tag.lastIndexOf(':')), digest });
      };
      steps.push(
        step(
          { name: 'push', pool: 'push', logFile: this.log(name, 'push'), run: push },
          action === 'build' ? [`${name}:build`] : [],
        ),
      );
    }
    if (action === 'load' || action === 'pull') {
      const fetch = async ({ signal }: { signal: AbortSignal }) => {
        const image =
          action === 'load'
            ? await builtImage(this.deps.layout, tag)
            : await pullIntoLayout(tag, name, opts, signal);
        await loadIntoDaemon(image, opts, signal);
        run.outcome.digest = image.descriptor.digest;
      };
      steps.push(step({ name: action, pool: 'push', run: fetch }));
    }
    return steps;
  }

  private async build(job: ImageJob, run: StepRun, signal: AbortSignal): Promise<void> {
    const logFile = this.log(job.name, 'build');
    const { workDir, cacheDir } = await freshBuildDirs(this.deps.baseDir, job.name, logFile);
    const onLine = (line: string) => run.emit({ kind: 'log-line', service: job.name, step: 'build', line });
    const runtime = this.codeStepRuntime(job, run, signal);
    const app = await this.recipe.assemble({
      ...buildContext(job, { workDir, cacheDir, logFile, signal, onLine }, this.deps),
      runStep: (s) => runCodeStep(s, { logFile, onLine, signal }, runtime),
    });
    const base = baseOf(job, app.base);
    const { writeImage } = await import('../oci/write-image.js');
    const image = await writeImage(this.deps.layout, {
      ref: job.tag,
      service: job.name,
      base: await this.deps.bases.inLayout(base),
      ...(base.source === 'registry' ? { baseRegistryRef: pinnedRef(base) } : {}),
      layers: app.layers,
      settings: app.settings,
      epoch: await commitTime(job.source.clonePath, job.source.commit),
    });
    onLine(`image ${image.descriptor.digest} written to ${this.deps.layout.dir}`);
    await rm(workDir, { recursive: true, force: true });
    if (!this.deps.push) await loadIntoDaemon(image, { ...this.deps, emit: run.emit }, signal);
    run.outcome.digest = image.descriptor.digest;
  }

  /** How this service's code steps reach a container of one of its base images. */
  private codeStepRuntime(job: ImageJob, run: StepRun, signal: AbortSignal): CodeStepRuntime {
    const { authFor, bases } = this.deps;
    return {
      engine: run.engine,
      engineUnreachable: this.deps.engineUnreachable,
      runcStateDir: runcStateDir(this.deps.baseDir),
      async engineImage(ref) {
        const base = baseOf(job, ref);
        // The keyed image exactly: its ID, or its registry digest (pulled once if missing).
        if (base.source === 'local') return base.digest;
        const pinned = pinnedRef(base);
        if (!(await run.engine.imageExists(pinned)))
          await run.engine.pull(pinned, await authFor(pinned), signal);
        return pinned;
      },
      async imageSource(ref) {
        const base = baseOf(job, ref);
        return base.source === 'registry' ? await bases.fromRegistry(base) : await bases.inLayout(base);
      },
    };
  }

  private log(service: string, step: string): string {
    return stepLogFile(this.deps.baseDir, service, step);
  }

  async afterImageWork(): Promise<void> {
    await this.deps.collectGarbage();
  }
}

function baseOf(job: ImageJob, ref: string): BaseImageDigest {
  const base = job.bases.find((b) => b.ref === ref);
  if (base === undefined) throw new InternalError(`${job.name} has no resolved base image ${ref}`);
  return base;
}
