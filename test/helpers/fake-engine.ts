import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type {
  BuildImageOptions,
  BuildkitOnEngineOptions,
  DockerEngine,
  ImageInfo,
  ListedImage,
  RunContainerOptions,
} from '../../src/builder/engines/docker-engine.js';
import type { Digest, ImageRef, RegistryCredentials } from '../../src/inputs/types.js';

/**
 * A Docker engine in memory that implements the real DockerEngine interface, as ko's fakes
 * (pkg/internal/testing/fixed.go) implement its publisher: what it holds is a map of image
 * references, what it did is a list of calls, and `down` makes it answer as an engine that
 * cannot be reached. For tests of the planner and of what uses an engine, without a daemon.
 */
export class FakeEngine implements DockerEngine {
  readonly images = new Map<string, ImageInfo>();
  readonly calls: string[] = [];
  /** Set: the engine is unreachable for this reason. */
  down: string | undefined;

  /** Puts an image on the engine; `id` defaults to a digest of the reference. */
  has(ref: string, info: Partial<ImageInfo> = {}): this {
    this.images.set(ref, { id: info.id ?? digestOf(`image ${ref}`), repoDigests: info.repoDigests ?? [] });
    return this;
  }

  async imageInfo(ref: string): Promise<ImageInfo | undefined> {
    this.calls.push(`imageInfo ${ref}`);
    return this.images.get(ref);
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.imageInfo(ref)) !== undefined;
  }

  async pull(ref: string, _auth: RegistryCredentials | undefined): Promise<void> {
    this.calls.push(`pull ${ref}`);
    this.has(ref);
  }

  async tag(source: string, target: ImageRef): Promise<void> {
    this.calls.push(`tag ${source} ${target}`);
    const info = this.images.get(source);
    if (info !== undefined) this.images.set(target, info);
  }

  async push(ref: ImageRef): Promise<Digest> {
    this.calls.push(`push ${ref}`);
    return digestOf(`pushed ${ref}`);
  }

  async removeImage(ref: string): Promise<void> {
    this.calls.push(`removeImage ${ref}`);
    this.images.delete(ref);
  }

  async imagesLabelled(label: string): Promise<ListedImage[]> {
    this.calls.push(`imagesLabelled ${label}`);
    return [];
  }

  async buildImage(opts: BuildImageOptions): Promise<void> {
    this.calls.push(`buildImage ${opts.tag}`);
    this.has(opts.tag);
  }

  /** Builds nothing: tags the image as a build that reported no image ID would find it. */
  async buildWithBuildkit(opts: BuildkitOnEngineOptions): Promise<void> {
    this.calls.push(`buildWithBuildkit ${opts.tag}`);
    this.has(opts.tag);
  }

  async runContainer(opts: RunContainerOptions): Promise<void> {
    this.calls.push(`runContainer ${opts.image}`);
  }

  async unreachable(): Promise<string | undefined> {
    return this.down;
  }

  async exportImage(ref: string): Promise<Readable> {
    this.calls.push(`exportImage ${ref}`);
    return Readable.from([]);
  }

  async loadImage(_archive: Readable, label: string): Promise<void> {
    this.calls.push(`loadImage ${label}`);
  }
}

/** A well-formed `sha256:` digest of `text`. */
export function digestOf(text: string): Digest {
  return `sha256:${createHash('sha256').update(text).digest('hex')}` as Digest;
}
