import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempSiblingPath, writeFileAtomic } from '../../core/atomic-fs.js';
import { canonicalJson } from '../../core/canonical-json.js';
import { makeDirectory } from '../../core/make-directory.js';
import { MEDIA_TYPES, type OciDescriptor, type OciIndex, type OciManifest } from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { DigestTap, sha256Digest } from './digest-tap.js';
import { compareUtf8 } from '../../core/compare-utf8.js';

/** Index annotations (not part of any image digest). */
export const ANNOTATIONS = {
  ref: 'org.opencontainers.image.ref.name',
  service: 'org.taskcluster.installer.service',
  /** `<repository>@sha256:…` of a base image whose layers came from its registry. */
  base: 'org.taskcluster.installer.base',
  /** How many of the manifest's first layers are the base image's. */
  baseLayers: 'org.taskcluster.installer.base-layers',
} as const;

/** A complete image of the layout: every blob it names is present. */
export interface LayoutImage {
  ref: string;
  descriptor: OciDescriptor;
  manifest: OciManifest;
  manifestBytes: Buffer;
  annotations: Record<string, string>;
}

/** Writers of one index.json take turns (one build process holds the base-dir lock). */
const indexTurns = new Map<string, Promise<unknown>>();

/**
 * An OCI image layout (image-spec `image-layout.md`) in the base dir: content-addressed blobs
 * shared by every image, and `index.json` naming each service's latest image by its tag.
 * Nothing ever looks complete before it is: a blob appears under its digest only once its
 * bytes are written, synced and verified (temp file, rename), and an image enters
 * `index.json` (rewritten atomically) only after all its blobs are there. A kill at any
 * moment leaves at most unreferenced blobs and temp files, which `collectGarbage` removes.
 */
export class OciLayout {
  constructor(readonly dir: string) {}

  private get blobDir(): string {
    return join(this.dir, 'blobs', 'sha256');
  }

  blobPath(digest: Digest | string): string {
    return join(this.blobDir, digest.replace(/^sha256:/, ''));
  }

  async hasBlob(digest: Digest | string): Promise<boolean> {
    return (await stat(this.blobPath(digest)).catch(() => undefined))?.isFile() ?? false;
  }

  openBlob(digest: Digest | string): Readable {
    return createReadStream(this.blobPath(digest));
  }

  async readBlob(digest: Digest | string): Promise<Buffer> {
    return await readFile(this.blobPath(digest));
  }

  /**
   * Stores `data` as a blob and returns its digest and size. With `expected`, bytes that hash
   * to anything else are refused (a download that went wrong never becomes that blob).
   */
  async writeBlob(data: Buffer | Readable, expected?: Digest): Promise<{ digest: Digest; size: number }> {
    if (expected !== undefined && (await this.hasBlob(expected))) {
      const size = (await stat(this.blobPath(expected))).size;
      if (Buffer.isBuffer(data)) return { digest: expected, size };
      (data as Readable).destroy();
      return { digest: expected, size };
    }
    makeDirectory(this.blobDir);
    const tmp = tempSiblingPath(join(this.blobDir, 'blob'));
    const tap = new DigestTap();
    try {
      const out = createWriteStream(tmp, { flags: 'wx' });
      await pipeline(Buffer.isBuffer(data) ? Readable.from([data]) : data, tap, out);
      const digest = tap.digest();
      if (expected !== undefined && digest !== expected) {
        throw new Error(`blob content has digest ${digest}, not the expected ${expected}`);
      }
      // On disk before it is named: a power cut must not leave an empty file under a digest.
      const fh = await open(tmp, 'r');
      await fh.sync().finally(() => fh.close());
      await rename(tmp, this.blobPath(digest));
      return { digest, size: tap.size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Writes JSON as a canonical blob: same data, same bytes, same digest. */
  async writeJsonBlob(value: unknown): Promise<{ digest: Digest; size: number; bytes: Buffer }> {
    const bytes = Buffer.from(canonicalJson(value));
    return { ...(await this.writeBlob(bytes, sha256Digest(bytes))), bytes };
  }

  async readIndex(): Promise<OciIndex> {
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, 'index.json'), 'utf8')) as OciIndex;
      if (Array.isArray(parsed.manifests)) return parsed;
    } catch {
      // absent or damaged: an empty layout (blobs are found again by digest)
    }
    return { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] };
  }

  /** The image tagged `ref`, only if every blob it needs is present. */
  async findImage(ref: string): Promise<LayoutImage | undefined> {
    const index = await this.readIndex();
    const descriptor = index.manifests.find((m) => m.annotations?.[ANNOTATIONS.ref] === ref);
    if (descriptor === undefined || !(await this.hasBlob(descriptor.digest))) return undefined;
    let manifestBytes: Buffer;
    let manifest: OciManifest;
    try {
      manifestBytes = await this.readBlob(descriptor.digest);
      manifest = JSON.parse(manifestBytes.toString('utf8')) as OciManifest;
    } catch {
      return undefined;
    }
    for (const d of [manifest.config, ...manifest.layers])
      if (!(await this.hasBlob(d.digest))) return undefined;
    return { ref, descriptor, manifest, manifestBytes, annotations: descriptor.annotations ?? {} };
  }

  /**
   * Names the manifest `ref` in `index.json`, replacing the previous image of the same
   * service: the layout keeps each service's latest image. Call only after every blob of the
   * image is written.
   */
  async putImage(
    ref: string,
    manifest: { digest: Digest; size: number },
    annotations: Record<string, string> = {},
  ): Promise<void> {
    await this.inTurn(async () => {
      await this.ensureLayoutFile();
      const index = await this.readIndex();
      const service = annotations[ANNOTATIONS.service];
      const keep = index.manifests.filter(
        (m) =>
          m.annotations?.[ANNOTATIONS.ref] !== ref &&
          (service === undefined || m.annotations?.[ANNOTATIONS.service] !== service),
      );
      keep.push({
        mediaType: MEDIA_TYPES.ociManifest,
        digest: manifest.digest,
        size: manifest.size,
        annotations: { ...annotations, [ANNOTATIONS.ref]: ref },
      });
      keep.sort((a, b) =>
        compareUtf8(a.annotations?.[ANNOTATIONS.ref] ?? '', b.annotations?.[ANNOTATIONS.ref] ?? ''),
      );
      await writeFileAtomic(join(this.dir, 'index.json'), canonicalJson({ ...index, manifests: keep }));
    });
  }

  /**
   * Removes blobs that no image of `index.json` needs (besides `alsoKeep`), and temp files
   * of writes a kill interrupted. Only while nothing else writes to the layout.
   */
  async collectGarbage(alsoKeep: Iterable<string> = []): Promise<void> {
    await this.inTurn(async () => {
      const keep = new Set<string>([...alsoKeep].map((d) => d.replace(/^sha256:/, '')));
      for (const m of (await this.readIndex()).manifests) {
        keep.add(m.digest.replace(/^sha256:/, ''));
        try {
          const manifest = JSON.parse((await this.readBlob(m.digest)).toString('utf8')) as OciManifest;
          for (const d of [manifest.config, ...manifest.layers]) keep.add(d.digest.replace(/^sha256:/, ''));
        } catch {
          // a missing manifest keeps nothing
        }
      }
      let names: string[];
      try {
        names = await readdir(this.blobDir);
      } catch {
        return;
      }
      for (const name of names) if (!keep.has(name)) await rm(join(this.blobDir, name), { force: true });
    });
  }

  private async ensureLayoutFile(): Promise<void> {
    const file = join(this.dir, 'oci-layout');
    if (!(await stat(file).catch(() => undefined))) {
      await writeFileAtomic(file, canonicalJson({ imageLayoutVersion: '1.0.0' }));
    }
  }

  private async inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const before = indexTurns.get(this.dir) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    indexTurns.set(
      this.dir,
      mine.catch(() => undefined),
    );
    return await mine;
  }
}
