import type { Emit, PlanAction } from '../../core/events.js';
import type { ServiceBuild } from '../../build-types/build-type.js';
import type { Digest, ImageRef } from '../../inputs/types.js';
import type { DockerEngine } from '../engines/docker-engine.js';
import type { BaseImageDigest } from '../engines/resolve-base-image-digests.js';
import type { Step } from '../graph/step.js';
import type { ResolvedSource } from '../sources/source-request.js';

/**
 * How one service's image comes to be, as the planner and the executor see it: one
 * implementation per way of making an image (an engine builds it: EngineImageProducer; the
 * tool writes it: ToolImageProducer), chosen once per service by `producerFor`. The planner's
 * decision and the executor's steps ask the producer; neither asks which kind it has.
 */
export interface ImageProducer {
  /** Whether the tool writes the image, so the same inputs give the same digest anywhere. */
  readonly reproducible: boolean;
  /**
   * What the producer uses engines for: `image`, every step (the image lives on an engine and
   * is pushed from it); `code-steps`, only the containers of its build step.
   */
  readonly engineUse: EngineUse;
  /** Build-key inputs of this producer's own (the platform an image the tool writes is for). */
  readonly keyExtras: Readonly<{ platform?: string }>;
  /**
   * What each base image is, for the build key. A dry run changes nothing: a base image that
   * cannot be looked up without a pull leaves the key unknown, with the reason.
   */
  resolveBases(service: string, refs: readonly string[], dryRun: boolean): Promise<ResolvedBases>;
  /**
   * Why base image `ref` cannot be had (`is neither on the engine nor in its registry`), or
   * undefined when it can. Asked of every base image of every service before any is resolved,
   * so that every missing one is named in one error. Producers that look their base images up
   * another way leave it out.
   */
  missingBase?(ref: string): Promise<string | undefined>;
  /**
   * The action for an image whose tag is known and that `--no-cache` does not force:
   * skip, pull, push, load, or build for `whyBuild`.
   */
  decide(job: { name: string; tag: ImageRef }, whyBuild: string): Promise<Decision>;
  /**
   * What can be known wrong with a job that will build, before any step of the build runs
   * (`ToolImageRecipe.check`): a UserError naming the service.
   */
  check?(job: ImageJob): Promise<void>;
  /** The graph steps that carry out `job.action`; each records the image digest it learns. */
  steps(job: ImageJob, run: StepRun): Step[];
  /** Once after the build's image work (the tool's image layout drops what no image needs). */
  afterImageWork(): Promise<void>;
}

export type EngineUse = 'image' | 'code-steps';

export interface ResolvedBases {
  bases: BaseImageDigest[];
  /** Why the build key cannot be known (dry run only). */
  unknown?: string;
}

/** A cache decision with its reason (what `--dry-run` prints), as in Skaffold and kbld. */
export interface Decision {
  action: PlanAction;
  reason: string;
  /** Known before any work: the registry's digest of an image skipped under `--push`, or of an image the tool wrote. */
  digest?: Digest;
  /** Something the user should know about this decision (an image not loaded into a daemon). */
  warning?: string;
}

/** What a producer's steps work from: one service's planned image. */
export interface ImageJob {
  name: string;
  build: ServiceBuild;
  source: ResolvedSource;
  extra: Readonly<Record<string, ResolvedSource>>;
  tag: ImageRef;
  bases: readonly BaseImageDigest[];
  action: PlanAction;
  /** The service's last build in this base dir: its image may share layers with this one. */
  previous?: { buildKey: string };
}

/** Where the steps run and report, and where they leave what they learn. */
export interface StepRun {
  /** The engine chosen for the step when it starts (several engines: EnginePlacement). */
  engine: DockerEngine;
  emit: Emit;
  outcome: ImageOutcome;
}

/** What the executor learns of a service's image while its steps run. */
export interface ImageOutcome {
  digest?: Digest;
}
