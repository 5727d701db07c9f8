import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import type { BlobSource, ImageSource, OciContainerConfig } from '../../src/inputs/oci-types.js';
import { MEDIA_TYPES } from '../../src/inputs/oci-types.js';
import type { Digest } from '../../src/inputs/types.js';
import { tempDir } from './temp-dir.js';

/** Images for the daemonless runners, made without a registry: from bytes or from `docker save`. */

export type LayerEntry = Partial<Header> & { name: string; content?: string | Buffer };

const sha256 = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;

/** A tar layer written with tar-stream; entries default to root-owned files (0644) and dirs (0755). */
export async function tarLayer(entries: readonly LayerEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { content, ...h } of entries) {
    const type = h.type ?? 'file';
    const mode = h.mode ?? (type === 'directory' ? 0o755 : 0o644);
    pack.entry({ uid: 0, gid: 0, mtime: new Date(1_500_000_000_000), ...h, type, mode }, content ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** An image of these layers (tar bytes), gzipped unless `gzip: false`; `opened` counts blob reads. */
export function imageFromLayers(
  layers: readonly Buffer[],
  opts: { gzip?: boolean; config?: OciContainerConfig; display?: string } = {},
): ImageSource & { opened: number } {
  const gzip = opts.gzip ?? true;
  const image = {
    opened: 0,
    display: opts.display ?? 'test-image',
    configDigest: '' as Digest,
    configBytes: Buffer.alloc(0),
    config: {
      architecture: 'amd64',
      os: 'linux',
      config: opts.config ?? {},
      rootfs: { type: 'layers' as const, diff_ids: layers.map(sha256) },
    },
    layers: [] as BlobSource[],
  };
  image.layers = layers.map((tarBytes) => {
    const blob = gzip ? gzipSync(tarBytes) : tarBytes;
    return {
      mediaType: gzip ? MEDIA_TYPES.ociLayerGzip : MEDIA_TYPES.ociLayer,
      digest: sha256(blob),
      size: blob.length,
      open: () => {
        image.opened++;
        return Promise.resolve(Readable.from([blob]));
      },
    };
  });
  image.configBytes = Buffer.from(JSON.stringify(image.config));
  image.configDigest = sha256(image.configBytes);
  return image;
}

/** An image of the host's static busybox (as /bin/busybox) and these entries, in one layer. */
export async function busyboxLayerImage(
  entries: readonly LayerEntry[] = [],
  opts: Parameters<typeof imageFromLayers>[1] = {},
): Promise<ReturnType<typeof imageFromLayers>> {
  const busybox = readFileSync('/bin/busybox');
  return imageFromLayers(
    [await tarLayer([{ name: 'bin/busybox', content: busybox, mode: 0o755 }, ...entries])],
    opts,
  );
}

/** A local Docker image as an ImageSource, through `docker save` (layers as plain tar files). */
export async function imageFromDocker(ref: string): Promise<ImageSource> {
  const dir = await tempDir('tci-save-');
  execFileSync('sh', ['-c', 'docker save "$1" | tar -x -C "$2"', 'sh', ref, dir]);
  const [manifest] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{
    Config: string;
    Layers: string[];
  }>;
  if (!manifest) throw new Error(`docker save ${ref}: no manifest`);
  const configBytes = readFileSync(join(dir, manifest.Config));
  return {
    display: ref,
    configDigest: sha256(configBytes),
    configBytes,
    config: JSON.parse(configBytes.toString('utf8')) as ImageSource['config'],
    layers: manifest.Layers.map((file) => {
      const bytes = readFileSync(join(dir, file));
      return {
        mediaType: MEDIA_TYPES.ociLayer,
        digest: sha256(bytes),
        size: bytes.length,
        open: () => Promise.resolve(createReadStream(join(dir, file))),
      };
    }),
  };
}
