import type { PlanAction } from '../../core/events.js';
import type { ServiceBuild } from '../../build-types/build-type.js';
import type { BuildKey, Digest, ImageRef, ServiceRepository } from '../../inputs/types.js';
import type { BaseImageDigest } from '../engines/resolve-base-image-digests.js';
import type { ImageProducer } from '../producers/image-producer.js';
import type { ResolvedSource } from '../sources/source-request.js';
import type { BuildKeyInputs } from './build-key.js';
import type { LastBuild } from './last-build.js';

/** A service of the spec that this build builds: its build type read its fields into `service`. */
export type BuildableService = ServiceRepository<ServiceBuild> & { service: ServiceBuild };

/**
 * What the build will do for one service and why, decided before anything changes (what
 * `--dry-run` prints). The executor carries it out; nothing in it changes after planning.
 */
export interface ServicePlan {
  name: string;
  /** Its entry's place in build.yml's `repositories`. */
  index: number;
  build: ServiceBuild;
  /** The service's source at its exact commit, and its other sources (a buildpack) by field. */
  source: ResolvedSource;
  extra: Readonly<Record<string, ResolvedSource>>;
  /** Everything its build key is made of; also what `--dry-run` compares with the last build. */
  inputs: BuildKeyInputs;
  /** The base images as the build type names them, and what each one is. */
  baseImageRefs: string[];
  bases: BaseImageDigest[];
  /** Undefined only in a dry run whose base images are neither local nor in their registry. */
  key: BuildKey | undefined;
  tag: ImageRef | undefined;
  /** What the base dir remembers of its last build. */
  previous: LastBuild | undefined;
  producer: ImageProducer;
  action: PlanAction;
  reason: string;
  /** Inputs that differ from the last build (`commit`, `baseImages.node:20`, …). */
  changed: string[];
  /** Known before any work: the digest of an image skipped under `--push`, or written by the tool. */
  digest?: Digest;
  /** Something the user should know about this decision. */
  warning?: string;
}
