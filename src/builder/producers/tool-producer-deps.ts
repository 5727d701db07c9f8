import type { Digest, ImageRef } from '../../inputs/types.js';
import type { AppBaseContext, AppBaseSources } from './app-base-images.js';
import type { BuildContextOptions } from './build-context.js';
import type { ImageProbes } from './image-probes.js';
import type { LayoutImageOptions } from './layout-images.js';

/** What an image the tool writes needs of the build; one per build, shared by its services. */
export interface ToolProducerDeps extends LayoutImageOptions, BuildContextOptions {
  baseDir: string;
  push: boolean;
  signal: AbortSignal;
  /** `linux/amd64`: the platform the images are written for (part of their build keys). */
  platform: string;
  appBases: AppBaseContext;
  bases: AppBaseSources;
  /** What images answered about themselves, kept by digest. */
  probes: ImageProbes;
  head(ref: ImageRef): Promise<Digest | undefined>;
  /** After image work: the layout keeps only what its images need (once per build). */
  collectGarbage(): Promise<void>;
}
