import type { ToolImageRecipe } from '../../build-types/build-type.js';
import { isUserError } from '../../core/user-error.js';
import type { ImageRef } from '../../inputs/types.js';
import type { BaseImageDigest } from '../engines/resolve-base-image-digests.js';
import type { Step } from '../graph/step.js';
import { readFileAtCommit } from '../sources/read-file-at-commit.js';
import { serviceWorkDir, stepLogFile } from '../state/build-layout.js';
import { resolveAppBaseImage } from './app-base-images.js';
import { GitTrees } from './git-trees.js';
import { hasRegistry } from './has-registry.js';
import type { Decision, ImageJob, ImageProducer, ResolvedBases, StepRun } from './image-producer.js';
import { builtImage, loadIntoDaemon, pullIntoLayout, pushFromLayout } from './layout-images.js';
import { codeStepRuntime, imageQueries } from './tool-build-context.js';
import type { ToolProducerDeps } from './tool-producer-deps.js';

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
          run: async (c) => {
            // Lazy: the image writer loads tar-stream, pako and worker threads, which a build
            // that skips every service never needs.
            const { buildToolImage } = await import('./write-tool-image.js');
            run.outcome.digest = await buildToolImage(this.recipe, job, run, this.deps, c.signal);
          },
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

  /** The recipe's check, with the base images' digests and probes on the first engine. */
  async check(job: ImageJob): Promise<void> {
    if (this.recipe.check === undefined) return;
    const { source } = job;
    const signal = this.deps.signal;
    const scratch = serviceWorkDir(this.deps.baseDir, job.name);
    const runtime = codeStepRuntime(job, this.deps.daemon, this.deps, signal, scratch);
    try {
      await this.recipe.check({
        commit: source.commit,
        readFile: (path) => readFileAtCommit(source.clonePath, source.commit, path),
        tree: () => (this.deps.trees ?? new GitTrees()).of(source),
        images: this.deps.images,
        env: this.deps.env?.get(job.name) ?? new Map(),
        ...imageQueries(job, runtime, this.deps, signal),
      });
    } finally {
      await runtime.settle();
    }
  }

  private log(service: string, step: string): string {
    return stepLogFile(this.deps.baseDir, service, step);
  }

  async afterImageWork(): Promise<void> {
    await this.deps.collectGarbage();
  }
}
