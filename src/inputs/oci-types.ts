import type { Readable } from 'node:stream';
import type { Digest } from './types.js';

/**
 * The image formats the tool reads and writes itself: OCI image spec 1.1 (manifest, index,
 * config) and the Docker v2 equivalents registries still serve. Shared by the registry client
 * (pull and push over the distribution API), the image writer and the container runners; it
 * lives in spec/ because build subfolders may not import each other.
 */
export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface OciDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: OciPlatform;
}

export interface OciPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: OciDescriptor[];
  annotations?: Record<string, string>;
}

/** The parts of an image config (`config` of the config blob) the tool reads or sets. */
export interface OciContainerConfig {
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string>;
}

export interface OciImageConfig {
  created?: string;
  architecture: string;
  os: string;
  config?: OciContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

/** A blob that can be read (again) on demand: a layer in a registry, a file, a buffer. */
export interface BlobSource extends OciDescriptor {
  open(): Promise<Readable>;
}

/**
 * An image whose bytes the tool can reach without a Docker daemon: from a registry, or from an
 * OCI layout in the base dir. `config` is the exact config blob; `manifestDigest` is absent
 * for an image known only by its config (e.g. exported from a daemon).
 */
export interface ImageSource {
  /** Where it came from, for messages: `registry/repo@sha256:…` or a layout path. */
  display: string;
  manifestDigest?: Digest;
  configDigest: Digest;
  config: OciImageConfig;
  configBytes: Buffer;
  layers: BlobSource[];
}

/**
 * One entry of a layer the tool writes, at its final path in the image without a leading slash
 * (`app/server.js`); a file's content is read only when the layer is written. Whatever made
 * it (a folder, a git tree, a container's archive), the layer writer normalises owner, mode
 * and time the same way.
 */
export type LayerEntry =
  | { path: string; type: 'directory' }
  | { path: string; type: 'symlink'; linkname: string }
  | {
      path: string;
      type: 'file';
      executable: boolean;
      size: number;
      content(): Promise<Buffer | Readable>;
    };

/**
 * What goes into an image layer the tool writes: a directory tree placed at a path of the
 * image, one generated file, or entries from elsewhere (a git tree, a container's archive),
 * already in byte order of their paths. Build types describe their layers with it; the image
 * writer turns them into tar archives.
 */
export type LayerSource =
  | {
      kind: 'dir';
      /** Path in the image, without a leading slash, e.g. `app`. */
      at: string;
      dir: string;
    }
  | { kind: 'file'; at: string; content: Buffer | string; mode: 0o755 | 0o644 }
  | { kind: 'entries'; entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry> };

/** The container settings an image the tool writes gets on top of its base image's. */
export interface ImageSettings {
  /** Set or replaced in the base image's `Env`, in this order. */
  env: Record<string, string>;
  /** Folders added at the end of the base image's PATH (Docker's default PATH if it sets none). */
  pathAppend?: readonly string[];
  workingDir: string;
  entrypoint: string[];
  /** Undefined: no default command. */
  cmd: string[] | undefined;
}
