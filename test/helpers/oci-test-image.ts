import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pushImage, type PushImageOptions } from '../../src/builder/registry/push-image.js';
import { MEDIA_TYPES, type BlobSource, type OciDescriptor } from '../../src/inputs/oci-types.js';
import type { Digest, ImageRef } from '../../src/inputs/types.js';
import { ensureBusyboxImage } from './base-images.js';
import { tempDir } from './temp-dir.js';

/** An image assembled in memory: what pushImage takes. */
export interface TestImage {
  manifest: { mediaType: string; bytes: Buffer };
  digest: Digest;
  config: BlobSource;
  layers: BlobSource[];
  blobs: BlobSource[];
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;

/** A blob served from memory, as a layout file or a registry would serve it. */
export function memoryBlob(mediaType: string, bytes: Buffer): BlobSource {
  return { mediaType, digest: sha256(bytes), size: bytes.length, open: async () => Readable.from([bytes]) };
}

let busyboxLayers: Promise<Array<{ tar: Buffer }>> | undefined;

/** The busybox test image's layers as uncompressed tars, from `docker save` (made offline). */
function savedBusyboxLayers(): Promise<Array<{ tar: Buffer }>> {
  busyboxLayers ??= (async () => {
    const dir = await tempDir('tci-saved-');
    const archive = join(dir, 'image.tar');
    execFileSync('docker', ['save', '-o', archive, ensureBusyboxImage()]);
    execFileSync('tar', ['-xf', archive, '-C', dir]);
    const [entry] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{
      Layers: string[];
    }>;
    return (entry?.Layers ?? []).map((l) => ({ tar: readFileSync(join(dir, l)) }));
  })();
  return busyboxLayers;
}

/** A one-file tar layer (`/<name>` holding `content`), made with the system tar. */
async function fileLayer(name: string, content: string): Promise<Buffer> {
  const dir = await tempDir('tci-layer-');
  mkdirSync(join(dir, 'root'));
  writeFileSync(join(dir, 'root', name), content);
  return execFileSync('tar', ['-C', join(dir, 'root'), '--owner=0', '--group=0', '-cf', '-', name]);
}

/**
 * A runnable OCI image: the busybox layers, gzip-compressed, plus a layer with `/hello.txt`
 * holding `hello` (unique content gives unique blobs), an OCI config and manifest.
 */
export async function makeTestImage(hello: string, architecture = 'amd64'): Promise<TestImage> {
  const tars = [...(await savedBusyboxLayers()).map((l) => l.tar), await fileLayer('hello.txt', hello)];
  const layers = tars.map((tar) => memoryBlob(MEDIA_TYPES.ociLayerGzip, gzipSync(tar)));
  const created = '2020-01-01T00:00:00Z';
  const configBytes = Buffer.from(
    JSON.stringify({
      created,
      architecture,
      os: 'linux',
      config: { Env: ['PATH=/bin:/usr/bin'], Cmd: ['cat', '/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: tars.map(sha256) },
      history: tars.map((_, i) => ({ created, created_by: `tci test layer ${i}` })),
    }),
  );
  const config = memoryBlob(MEDIA_TYPES.ociConfig, configBytes);
  const manifest = {
    mediaType: MEDIA_TYPES.ociManifest,
    bytes: Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: descriptor(config),
        layers: layers.map(descriptor),
      }),
    ),
  };
  return { manifest, digest: sha256(manifest.bytes), config, layers, blobs: [config, ...layers] };
}

/** An OCI index of `images`, each entry with its config's platform. */
export function makeIndex(images: Array<{ image: TestImage; architecture: string }>): {
  mediaType: string;
  bytes: Buffer;
} {
  const manifests = images.map(({ image, architecture }) => ({
    mediaType: image.manifest.mediaType,
    digest: image.digest,
    size: image.manifest.bytes.length,
    platform: { os: 'linux', architecture },
  }));
  return {
    mediaType: MEDIA_TYPES.ociIndex,
    bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests })),
  };
}

function descriptor(b: BlobSource): OciDescriptor {
  return { mediaType: b.mediaType, digest: b.digest, size: b.size };
}

/** The whole of a stream, for comparing bytes in tests. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** pushImage of a test image, anonymous unless `extra` says otherwise; with its progress lines. */
export async function pushTestImage(
  ref: string,
  image: TestImage,
  extra: Partial<PushImageOptions> = {},
): Promise<{ digest: Digest; lines: string[] }> {
  const lines: string[] = [];
  const digest = await pushImage({
    ref: ref as ImageRef,
    manifest: image.manifest,
    blobs: image.blobs,
    auth: undefined,
    onLine: (l) => lines.push(l),
    ...extra,
  });
  return { digest, lines };
}
