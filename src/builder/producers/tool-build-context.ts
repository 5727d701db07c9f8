import type { BuildContext, ImageQueries, ToolBuildContext } from '../../build-types/build-type.js';
import type { Emit } from '../../core/events.js';
import { InternalError } from '../../core/user-error.js';
import type { RegistryCredentials } from '../../inputs/types.js';
import { keptRemovals, runCodeStep, type CodeStepRuntime } from '../containers/run-code-step.js';
import type { DockerEngine } from '../engines/docker-engine.js';
import type { BaseImageDigest } from '../engines/resolve-base-image-digests.js';
import { lastChangeTime } from '../sources/commit-time.js';
import { runcStateDir, stepLogFile } from '../state/build-layout.js';
import { pinnedRef, type AppBaseSources } from './app-base-images.js';
import type { ImageJob } from './image-producer.js';
import type { ImageProbes } from './image-probes.js';
import type { ServiceKeyedLayers } from './keyed-layers.js';
import { isKeptImage, keptImage } from './kept-images.js';

/** What code steps and probes of a tool-written image need of the build. */
export interface CodeStepDeps {
  baseDir: string;
  engineUnreachable(): Promise<string | undefined>;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  bases: AppBaseSources;
  probes: ImageProbes;
  /** What the steps' log files mask (`CodeStepRuntime.redact`). */
  redact(text: string): string;
  /** `--no-cache`: kept images are made again. */
  noCache: boolean;
}

/** The context a tool-written build's `assemble` gets: the common one and the tool's own services. */
export function toolBuildContext(
  job: ImageJob,
  common: BuildContext,
  services: { runtime: CodeStepRuntime; keyed: ServiceKeyedLayers; emit: Emit; deps: CodeStepDeps },
): ToolBuildContext {
  const { runtime, keyed, emit, deps } = services;
  const { logFile, onLine, signal } = common;
  return {
    ...common,
    ...imageQueries(job, runtime, deps, signal),
    runStep: (s) => runCodeStep(s, { logFile, onLine, signal }, runtime),
    keyedLayer: (key, make) => keyed.layer(key, make),
    keptImage: (key, make) =>
      keptImage(key, make, {
        tag: job.tag,
        noCache: deps.noCache,
        runtime,
        out: { logFile, onLine, signal },
      }),
    warn: (message) => emit({ kind: 'warning', message }),
    lastChange: (paths) => lastChangeTime(job.source.clonePath, job.source.commit, paths),
  };
}

/**
 * The base images' digests, and probes run in containers of them: the answer kept per image
 * digest and command, the probe's output in `logs/<service>/probe.log`.
 */
export function imageQueries(
  job: ImageJob,
  runtime: CodeStepRuntime,
  deps: CodeStepDeps,
  signal: AbortSignal,
): ImageQueries {
  const logFile = stepLogFile(deps.baseDir, job.name, 'probe');
  return {
    baseDigests: Object.fromEntries(job.bases.map((b) => [b.ref, b.digest])),
    probe: (image, cmd, label) =>
      deps.probes.answer(baseOf(job, image).digest, cmd, async () => {
        const lines: string[] = [];
        const step = { image, cmd: [...cmd], workingDir: '/', folders: [], label };
        await runCodeStep(step, { logFile, onLine: (l) => lines.push(l), signal }, runtime);
        return lines.join('\n');
      }),
  };
}

/** How this service's code steps reach a container of one of its base images, on `engine`. */
export function codeStepRuntime(
  job: ImageJob,
  engine: DockerEngine,
  deps: CodeStepDeps,
  signal: AbortSignal,
  scratchDir: string,
): CodeStepRuntime {
  const { authFor, bases } = deps;
  return {
    engine,
    ...keptRemovals(),
    engineUnreachable: deps.engineUnreachable,
    runcStateDir: runcStateDir(deps.baseDir),
    scratchDir,
    redact: deps.redact,
    async engineImage(ref) {
      if (isKeptImage(job.tag, ref)) return ref;
      const base = baseOf(job, ref);
      // The keyed image exactly: its ID, or its registry digest (pulled once if missing).
      if (base.source === 'local') return base.digest;
      const pinned = pinnedRef(base);
      if (!(await engine.imageExists(pinned))) await engine.pull(pinned, await authFor(pinned), signal);
      return pinned;
    },
    async imageSource(ref) {
      const base = baseOf(job, ref);
      return base.source === 'registry' ? await bases.fromRegistry(base) : await bases.inLayout(base);
    },
  };
}

export function baseOf(job: ImageJob, ref: string): BaseImageDigest {
  const base = job.bases.find((b) => b.ref === ref);
  if (base === undefined) throw new InternalError(`${job.name} has no resolved base image ${ref}`);
  return base;
}
