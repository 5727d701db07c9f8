import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { BlobSource } from '../../../inputs/oci-types.js';
import { applyLayer } from './apply-layer.js';
import { LayerRefusedError } from './root-path.js';

/**
 * Reads one layer blob (gzip or plain tar, by its media type) and applies it onto `root`,
 * checking the uncompressed bytes against the config's `diff_id`: the root filesystem cache is
 * keyed by the config digest, so it must hold exactly the layers that config names.
 */
export async function unpackLayer(
  root: string,
  blob: BlobSource,
  diffId: string,
  signal: AbortSignal,
): Promise<void> {
  const gunzip = layerCompression(blob.mediaType);
  const hash = createHash('sha256');
  const digest = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const extract = tar.extract();
  const source = await blob.open();
  // A stream's failure (corrupt gzip, abort) destroys the parser too, so the loop below throws
  // it; a refused entry stops the loop, and the streams are then torn down.
  const piped = pipeline(source, gunzip ? createGunzip() : new PassThrough(), digest, extract, {
    signal,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  try {
    await applyLayer(root, extract);
  } catch (e) {
    extract.destroy();
    source.destroy();
    await piped;
    throw e;
  }
  const failed = await piped;
  if (failed !== undefined) throw failed;
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== diffId) {
    throw new LayerRefusedError(`its content is ${actual}, but the image config says ${diffId}`);
  }
}

/** Whether the layer is gzip-compressed; refuses what Node cannot read (zstd). */
function layerCompression(mediaType: string): boolean {
  if (/[.+]gzip$/.test(mediaType)) return true;
  if (/[.]tar$/.test(mediaType)) return false;
  throw new LayerRefusedError(`unsupported layer media type "${mediaType}" (gzip or plain tar only)`);
}
