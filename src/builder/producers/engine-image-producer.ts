import { rm } from 'node:fs/promises';
import type { EngineImageRecipe } from '../../build-types/build-type.js';
import { isUserError } from '../../core/user-error.js';
import type { Digest, ImageRef, RegistryCredentials } from '../../inputs/types.js';
import type { DockerEngine } from '../engines/docker-engine.js';
import { unreachableEngineOf } from '../engines/engine-endpoint.js';
import { resolveBaseImageDigests } from '../engines/resolve-base-image-digests.js';
import type { Step } from '../graph/step.js';
import { headManifest } from '../registry/head-manifest.js';
import { stepLogFile } from '../state/build-layout.js';
import { buildContext, freshBuildDirs } from './build-context.js';
import { hasRegistry } from './has-registry.js';
import type { Decision, ImageJob, ImageProducer, ResolvedBases, StepRun } from './image-producer.js';

/** A UserError's first line; anything else, or an engine that stopped answering, is thrown on. */
function reasonOf(e: unknown): string {
  if (!isUserError(e) || unreachableEngineOf(e) !== undefined) throw e;
  return e.problems[0]?.message ?? e.message;
}

/** What an engine-built image needs of the build. */
export interface EngineProducerDeps {
  baseDir: string;
  images: Readonly<Record<string, string>>;
  push: boolean;
  noCache: boolean;
  /** Each service's build secrets by id, in memory only. */
  secrets: ReadonlyMap<string, ReadonlyMap<string, Uint8Array>>;
  /** What the build step's log masks (`BuildContext.redact`). */
  redact(text: string): string;
  signal: AbortSignal;
  /** The key engine, its lookups shared by every service: base images and their digests. */
  keyEngine: DockerEngine;
  /** Answers "is this image here?" for the whole pool (ImageLocator). */
  imageEngine: DockerEngine;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  /** Registry HEAD of an image tag: its digest, or undefined when absent. */
  head(ref: ImageRef): Promise<Digest | undefined>;
}

/**
 * An image an engine builds (`docker`): base images are pulled onto the key engine and pinned
 * by their digests; the image lives on the engine that built it, which pushes it.
 */
export class EngineImageProducer implements ImageProducer {
  readonly reproducible = false;
  readonly engineUse = 'image';
  readonly keyExtras = {};

  constructor(
    private readonly recipe: EngineImageRecipe,
    private readonly deps: EngineProducerDeps,
  ) {}

  async resolveBases(service: string, refs: readonly string[], dryRun: boolean): Promise<ResolvedBases> {
    const { keyEngine, authFor, signal } = this.deps;
    if (!dryRun) return { bases: await resolveBaseImageDigests(service, refs, keyEngine, authFor, signal) };
    const bases = [];
    const missing: string[] = [];
    for (const ref of refs) {
      const found = await this.lookWithoutPull(ref);
      if (found === undefined) missing.push(ref);
      else bases.push(found);
    }
    const unknown =
      missing.length === 1
        ? `base image ${missing.join('')} is neither local nor in its registry`
        : `base images ${missing.join(', ')} are neither local nor in their registries`;
    return { bases, ...(missing.length > 0 ? { unknown } : {}) };
  }

  /**
   * On the key engine, else in its registry (one HEAD); when this machine cannot ask the
   * registry, the engine may still reach it (its own network, a mirror): it is asked to pull.
   */
  async missingBase(ref: string): Promise<string | undefined> {
    const { keyEngine, authFor, signal } = this.deps;
    try {
      if ((await keyEngine.imageInfo(ref)) !== undefined) return undefined;
    } catch (e) {
      return `cannot be looked up: ${reasonOf(e)}`;
    }
    const auth = await authFor(ref);
    let unasked: string;
    try {
      const digest = await headManifest(ref, auth, { signal, retries: 0 });
      if (digest === undefined) return 'is neither on the engine nor in its registry';
      return undefined;
    } catch (e) {
      unasked = reasonOf(e);
    }
    try {
      await keyEngine.pull(ref, auth, signal);
      return undefined;
    } catch (e) {
      if (!isUserError(e) || unreachableEngineOf(e) !== undefined) throw e;
      // The registry's words as this machine heard them: the engine's are wrapped in HTTP noise.
      return `is not on the engine and could not be pulled: ${unasked.replace(/, \d+ attempts?$/, '')}`;
    }
  }

  /** A dry run never pulls: it asks the registry for a missing base image's digest instead. */
  private async lookWithoutPull(ref: string) {
    const { keyEngine, authFor, signal } = this.deps;
    if ((await keyEngine.imageInfo(ref)) !== undefined) {
      return (await resolveBaseImageDigests('', [ref], keyEngine, authFor, signal))[0];
    }
    try {
      const digest = await headManifest(ref, await authFor(ref), { signal, retries: 0 });
      return digest === undefined ? undefined : { ref, digest, source: 'registry' as const };
    } catch {
      return undefined;
    }
  }

  /**
   * docs/caching.md: an image whose tag is on the engine is not rebuilt; with `--push`, an
   * image whose tag is in the registry is neither built nor pushed. Without `--push`, an image
   * missing locally but present in the registry of `repositoryPrefix` is pulled, not rebuilt.
   */
  async decide({ tag }: { tag: ImageRef }, whyBuild: string): Promise<Decision> {
    const { head, imageEngine } = this.deps;
    if (this.deps.push) {
      const digest = await head(tag);
      if (digest !== undefined) return { action: 'skip', reason: 'already in the registry', digest };
      if (await imageEngine.imageExists(tag))
        return { action: 'push', reason: 'built earlier, not yet in the registry' };
      return { action: 'build', reason: whyBuild };
    }
    if (await imageEngine.imageExists(tag)) return { action: 'skip', reason: 'already in the local daemon' };
    if (hasRegistry(tag) && (await head(tag).catch(() => undefined)) !== undefined)
      return { action: 'pull', reason: 'in the registry, not in the local daemon' };
    return { action: 'build', reason: whyBuild };
  }

  /** `build` (then `push`), `push` alone, or `pull`. */
  steps(job: ImageJob, run: StepRun): Step[] {
    const { name, tag } = job;
    const step = (s: Omit<Step, 'id' | 'service'>): Step => ({
      ...s,
      id: `${name}:${s.name}`,
      service: name,
    });
    const steps: Step[] = [];
    if (job.action === 'build')
      steps.push(
        step({
          name: 'build',
          pool: 'image',
          deps: [],
          logFile: this.log(name, 'build'),
          run: (c) => this.build(job, run, c.signal),
        }),
      );
    if ((job.action === 'build' && this.deps.push) || job.action === 'push') {
      steps.push(
        step({
          name: 'push',
          pool: 'push',
          deps: job.action === 'build' ? [`${name}:build`] : [],
          logFile: this.log(name, 'push'),
          run: async ({ signal }) => {
            const onLine = (line: string) =>
              run.emit({ kind: 'log-line', service: name, step: 'push', line });
            const digest = await run.engine.push(tag, await this.deps.authFor(tag), onLine, signal);
            run.outcome.digest = digest;
            run.emit({
              kind: 'image-pushed',
              service: name,
              ref: tag.slice(0, tag.lastIndexOf(':')),
              digest,
            });
          },
        }),
      );
    }
    if (job.action === 'pull')
      steps.push(
        step({
          name: 'pull',
          pool: 'push',
          deps: [],
          run: async ({ signal }) => await run.engine.pull(tag, await this.deps.authFor(tag), signal),
        }),
      );
    return steps;
  }

  private async build(job: ImageJob, run: StepRun, signal: AbortSignal): Promise<void> {
    const logFile = this.log(job.name, 'build');
    const { workDir, cacheDir } = await freshBuildDirs(this.deps.baseDir, job.name, logFile);
    const onLine = (line: string) => run.emit({ kind: 'log-line', service: job.name, step: 'build', line });
    const { noCache, push, authFor } = this.deps;
    const label = `service "${job.name}": docker build`;
    const tag = job.tag;
    await this.recipe.build({
      ...buildContext(job, { workDir, cacheDir, logFile, signal, onLine }, this.deps),
      buildImage: (b) => run.engine.buildImage({ ...b, tag, noCache, logFile, onLine, signal, label }),
      buildOnEngine: (build) =>
        run.engine.buildWithBuildkit({
          tag,
          noCache,
          logFile,
          signal,
          label,
          run: (engine) =>
            build({
              ...engine,
              tag,
              label,
              inlineCache: push,
              // What the engine asks for is a registry host; the lookup takes an image reference.
              registryLogin: (host) => authFor(`${host}/image`),
            }),
        }),
    });
    await rm(workDir, { recursive: true, force: true });
  }

  private log(service: string, step: string): string {
    return stepLogFile(this.deps.baseDir, service, step);
  }

  async afterImageWork(): Promise<void> {}
}
