import { Readable, type Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import tarStream from 'tar-stream';
import { UserError } from '../../core/user-error.js';
import {
  MEDIA_TYPES,
  type BlobSource,
  type ImageSource,
  type OciImageConfig,
} from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { DigestTap, pipeThrough, sha256Digest } from './digest-tap.js';
import { deterministicGzip } from './deterministic-gzip.js';
import type { OciLayout } from './oci-layout.js';

/** Entries up to this size are kept in memory until `manifest.json` says what they are. */
const SMALL = 4 * 1024 * 1024;

interface StoredLayer {
  diffId: Digest;
  digest: Digest;
  size: number;
}

/**
 * Reads a `docker save` archive of one image (docker-archive: `manifest.json`, the config, a
 * tar per layer; Docker 20.10's form or the OCI form of Docker 25) and stores it in the layout:
 * the config blob byte for byte (so its digest is the image ID), each layer compressed with
 * `deterministicGzip` (the daemon keeps no compressed form). Each layer's tar must hash to the
 * config's diff_id, so what is stored is exactly the image the daemon has.
 */
export async function importDockerArchive(
  layout: OciLayout,
  archive: Readable,
  display: string,
): Promise<ImageSource> {
  const small = new Map<string, Buffer>();
  const streamed = new Map<string, StoredLayer>();
  const extract = tarStream.extract();
  archive.on('error', (e) => extract.destroy(e));
  archive.pipe(extract as unknown as Writable);
  for await (const entry of extract) {
    const { name, type, size } = entry.header;
    if (type !== 'file') {
      entry.resume();
      continue;
    }
    // tar-stream 3 entries are streamx streams; Readable.from gives Node's.
    const body = Readable.from(entry as AsyncIterable<Buffer>);
    if ((size ?? 0) <= SMALL) small.set(name, await buffer(body));
    else streamed.set(name, await storeLayer(layout, body));
  }

  const manifestText = small.get('manifest.json')?.toString('utf8');
  const entry = (JSON.parse(manifestText ?? '[]') as Array<{ Config?: string; Layers?: string[] }>)[0];
  const configBytes = entry?.Config !== undefined ? small.get(entry.Config) : undefined;
  if (entry === undefined || configBytes === undefined || !Array.isArray(entry.Layers)) {
    throw new UserError({
      message: `the Docker daemon's export of ${display} has no image manifest and config`,
    });
  }
  const config = JSON.parse(configBytes.toString('utf8')) as OciImageConfig;
  const configBlob = await layout.writeBlob(configBytes, sha256Digest(configBytes));
  const layers: BlobSource[] = [];
  for (const [i, name] of entry.Layers.entries()) {
    const inMemory = small.get(name);
    const stored =
      streamed.get(name) ?? (inMemory ? await storeLayer(layout, Readable.from([inMemory])) : undefined);
    const expected = config.rootfs?.diff_ids?.[i];
    if (stored === undefined || stored.diffId !== expected) {
      throw new UserError({
        message: `the Docker daemon's export of ${display}: layer ${i + 1} (${name}) does not match the image config`,
      });
    }
    layers.push({
      mediaType: MEDIA_TYPES.ociLayerGzip,
      digest: stored.digest,
      size: stored.size,
      open: async () => layout.openBlob(stored.digest),
    });
  }
  return { display, configDigest: configBlob.digest, config, configBytes, layers };
}

async function storeLayer(layout: OciLayout, tar: Readable): Promise<StoredLayer> {
  const diff = new DigestTap();
  const blob = await layout.writeBlob(pipeThrough(tar, diff, deterministicGzip()));
  return { diffId: diff.digest(), digest: blob.digest, size: blob.size };
}
